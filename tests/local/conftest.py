"""Fixtures: a throwaway backend on a ManualClock and httpx clients mounted on its transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers_local import ClientFactory

from cortexbuild_sdk.local import Backend, ManualClock

START = 1_760_011_200.0  # 2025-10-09T12:00:00Z


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORTEXBUILD_ENCRYPTION_KEY", raising=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def backend(clock: ManualClock) -> Iterator[Backend]:
    with Backend(clock=clock) as b:
        yield b


@pytest.fixture
def file_backend(tmp_path: Path, clock: ManualClock) -> Iterator[Backend]:
    with Backend(tmp_path / "dev.db", clock=clock) as b:
        yield b


@pytest.fixture
def make_client(backend: Backend) -> Iterator[ClientFactory]:
    made: list[httpx.Client] = []

    def factory(key: str | None = None, *, of: Backend | None = None) -> httpx.Client:
        target = of if of is not None else backend
        token = target.owner_api_key if key is None else key
        client = httpx.Client(
            transport=target.transport(), base_url="http://local", headers={"Authorization": f"Bearer {token}"}
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> httpx.Client:
    return make_client()

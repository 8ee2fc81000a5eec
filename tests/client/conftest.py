from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild, _base_client

BASE_URL = "http://localhost:3001"
API_KEY = "cbk_test_unit"


class Runner:
    """Runs one call on the sync or the async client, so a single test covers both."""

    def __init__(self, kind: str, **client_options: Any) -> None:
        self.kind = kind
        self.options = {"api_key": API_KEY, "base_url": BASE_URL, "max_retries": 0, **client_options}

    def client(self, **overrides: Any) -> Any:
        cls = CortexBuild if self.kind == "sync" else AsyncCortexBuild
        return cls(**{**self.options, **overrides})

    def __call__(self, fn: Callable[[Any], Any], **overrides: Any) -> Any:
        client = self.client(**overrides)
        if self.kind == "sync":
            with client:
                return fn(client)

        async def run() -> Any:
            async with client:
                result = fn(client)
                return await result if inspect.isawaitable(result) else result

        return asyncio.run(run())

    def collect(self, fn: Callable[[Any], Any], **overrides: Any) -> list[Any]:
        """Every item of a paginated call, across pages."""
        client = self.client(**overrides)
        if self.kind == "sync":
            with client:
                return list(fn(client))

        async def run() -> list[Any]:
            async with client:
                return [item async for item in fn(client)]

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Runner:
    return Runner(request.param)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record backoff delays instead of sleeping them."""
    recorded: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_base_client.time, "sleep", recorded.append)
    monkeypatch.setattr(_base_client.asyncio, "sleep", fake_async_sleep)
    return recorded

"""Fixtures for connector tests: a backend on a ManualClock whose providers point at a fake host that respx
intercepts (``PROVIDER``), and a helper that connects a Slack integration through the real OAuth routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock

START = 1_760_011_200.0
HOST = "http://127.0.0.1:8123"  # never opened: respx answers first
OAUTH = {
    p: {"client_id": f"{p}-client", "client_secret": f"{p}-secret"}
    for p in ("slack", "quickbooks", "google_drive", "dropbox")
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def backend(clock: ManualClock) -> Iterator[Backend]:
    from cortexbuild_sdk.local.providers import PROVIDERS

    with Backend(clock=clock, oauth=OAUTH, provider_urls={p: HOST for p in PROVIDERS}) as b:
        b.connectors.sleep = SLEEPS.append  # record Retry-After waits instead of sleeping
        yield b


SLEEPS: list[float] = []


@pytest.fixture(autouse=True)
def _reset_sleeps() -> None:
    SLEEPS.clear()


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend, max_retries=0) as c:
        yield c


def token_answer(n: int, *, expires_in: int = 3600, refresh: str | None = "same") -> dict[str, Any]:
    body: dict[str, Any] = {"ok": True, "access_token": f"xoxb-{n}", "token_type": "bot", "expires_in": expires_in}
    if refresh is not None:
        body["refresh_token"] = f"xoxe-1-{n}" if refresh == "same" else refresh
    return body


def connect(
    client: CortexBuild,
    mock: respx.MockRouter,
    provider: str = "slack",
    answer: dict[str, Any] | None = None,
    token_path: str = "/api/oauth.v2.access",
    realm_id: str | None = None,
) -> tuple[int, respx.Route]:
    """Run authorize + callback; the token endpoint answers ``answer``. Returns the integration id and the
    token endpoint's route (re-mock it to script refreshes)."""
    auth = client.integrations.oauth.authorize(provider, redirect_uri="http://127.0.0.1/cb", name=f"{provider} test")
    route = mock.post(f"{HOST}{token_path}").mock(return_value=httpx.Response(200, json=answer or token_answer(1)))
    integration = client.integrations.oauth.callback(provider, code="good-code", state=auth.state, realm_id=realm_id)
    assert route.call_count == 1
    return integration.id, route

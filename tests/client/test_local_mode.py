"""``CortexBuild.local()``: the same client, served in-process by the embedded backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from cortexbuild_sdk import AsyncCortexBuild, ConflictError, CortexBuild
from cortexbuild_sdk.local import Backend

STRIPE = {"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"}


def test_local_client_exposes_its_backend_and_shares_it_through_with_options() -> None:
    with CortexBuild.local() as client:
        assert isinstance(client.backend, Backend)
        key = client.keys.create(name="ci", scopes=["webhooks:read"])
        as_ci = client.with_options(api_key=key.secret)
        assert as_ci.backend is client.backend
        assert list(as_ci.webhooks.list()) == []
    assert client.backend is not None
    assert client.backend.closed


def test_a_file_store_persists_across_clients(tmp_path: Path) -> None:
    path = tmp_path / "dev.db"
    with CortexBuild.local(path) as client:
        client.webhooks.create(name="Kept", url="https://myapp.example/h", events=["*"])
        owner = client.api_key
    with CortexBuild.local(path) as client:
        assert client.api_key == owner
        assert [h.name for h in client.webhooks.list()] == ["Kept"]


def test_a_shared_backend_is_not_closed_by_its_clients() -> None:
    with Backend() as backend:
        with CortexBuild.local(backend=backend) as first:
            first.webhooks.create(name="A", url="https://myapp.example/a", events=["*"])

        async def read() -> list[str]:
            async with AsyncCortexBuild.local(backend=backend) as second:
                return [h.name async for h in second.webhooks.list()]

        assert asyncio.run(read()) == ["A"]
        assert not backend.closed


def test_backend_and_backend_options_are_exclusive() -> None:
    with Backend() as backend, pytest.raises(TypeError):
        CortexBuild.local(backend=backend, tier="pro")


def test_lasting_conflicts_are_answered_once_despite_the_retry_policy() -> None:
    """409 is retryable by default, but the backend marks state conflicts ``X-Should-Retry: false``."""
    with Backend() as backend:
        inner = backend.transport()
        seen: list[str] = []

        def count(request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            request.read()
            return inner.handle_request(request)

        http = httpx.Client(transport=httpx.MockTransport(count))
        client = CortexBuild(api_key=backend.owner_api_key, base_url="http://local", http_client=http, max_retries=2)
        created = client.integrations.create(provider="stripe", name="Payments", credentials=STRIPE)
        client.integrations.update_status(created.id, is_active=False)
        seen.clear()
        with pytest.raises(ConflictError):
            client.integrations.sync(created.id)
        assert seen == [f"/api/integrations/{created.id}/sync"]
        http.close()

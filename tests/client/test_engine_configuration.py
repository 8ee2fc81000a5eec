"""The HTTP engine's configuration (API key, environment, defaults, copies, the pool) and what it logs and shows."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild, CortexBuildError

from .conftest import API_KEY, BASE_URL, Runner
from .contract_bodies import HOOK_PATH, OK, WEBHOOK


class TestConfiguration:
    def test_missing_api_key_is_a_clear_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("CORTEXBUILD_API_KEY", raising=False)
        for cls in (CortexBuild, AsyncCortexBuild):
            with pytest.raises(CortexBuildError, match="CORTEXBUILD_API_KEY"):
                cls()

    def test_environment_fallbacks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CORTEXBUILD_API_KEY", "from-env")
        monkeypatch.setenv("CORTEXBUILD_BASE_URL", "http://127.0.0.1:9999/")
        client = CortexBuild()
        assert client.api_key == "from-env"
        assert client.base_url == "http://127.0.0.1:9999"

    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("CORTEXBUILD_BASE_URL", raising=False)
        client = CortexBuild(api_key="k")
        assert client.base_url == "http://localhost:3001"
        assert client.max_retries == 2
        assert client.backend is None

    def test_negative_max_retries_is_refused(self) -> None:
        with pytest.raises(ValueError, match="max_retries"):
            CortexBuild(api_key="k", max_retries=-1)

    @pytest.mark.parametrize("bad", [None, "2", 1.5, True])
    def test_max_retries_that_is_not_an_int_is_refused(self, bad: object) -> None:
        for cls in (CortexBuild, AsyncCortexBuild):
            with pytest.raises(TypeError, match="max_retries must be an int"):
                cls(api_key="k", max_retries=bad)  # type: ignore[arg-type]
        if bad is not None:  # with_options(max_retries=None) keeps the original's
            with pytest.raises(TypeError, match="max_retries must be an int"):
                CortexBuild(api_key="k").with_options(max_retries=bad)  # type: ignore[arg-type]

    def test_with_options_returns_a_configured_copy_sharing_the_pool(self, api: respx.MockRouter) -> None:
        route = api.get(HOOK_PATH).respond(json=OK)
        client = CortexBuild(api_key="k1", base_url=BASE_URL, default_headers={"X-Team": "a"})
        other = client.with_options(api_key="k2", max_retries=5, default_headers={"X-Env": "b"})
        assert type(other) is CortexBuild
        assert (client.api_key, other.api_key) == ("k1", "k2")
        assert other.max_retries == 5
        assert other._http is client._http
        other.webhooks.retrieve(123)
        headers = route.calls.last.request.headers
        assert headers["authorization"] == "Bearer k2"
        assert (headers["x-team"], headers["x-env"]) == ("a", "b")

    def test_injected_http_client_is_used_and_not_closed(self, api: respx.MockRouter) -> None:
        api.get(HOOK_PATH).respond(json=OK)
        http = httpx.Client()
        with CortexBuild(api_key="k", base_url=BASE_URL, http_client=http) as client:
            client.webhooks.retrieve(123)
        assert not http.is_closed
        http.close()

    def test_context_manager_closes_its_own_pool(self) -> None:
        with CortexBuild(api_key="k") as client:
            pass
        assert client._http.is_closed

    async def test_async_context_manager_closes_its_own_pool(self) -> None:
        async with AsyncCortexBuild(api_key="k") as client:
            pass
        assert client._http.is_closed


def test_debug_log_redacts_credentials(run: Runner, api: respx.MockRouter, caplog: pytest.LogCaptureFixture) -> None:
    api.post("/api/integrations").respond(
        json={"success": True, "integration": {"id": 1, "provider": "slack", "name": "n"}}
    )
    caplog.set_level(logging.DEBUG, logger="cortexbuild_sdk")
    run(lambda c: c.integrations.create(provider="slack", name="n", credentials={"accessToken": "xoxb-SECRET"}))
    text = caplog.text
    assert "request POST" in text
    assert API_KEY not in text
    assert "xoxb-SECRET" not in text
    assert "<redacted>" in text


def test_secrets_do_not_appear_in_model_repr(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(json={"success": True, "webhook": {**WEBHOOK, "secret": "s3cr3t-value"}})
    hook = run(lambda c: c.webhooks.retrieve(123))
    assert hook.secret == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(hook)

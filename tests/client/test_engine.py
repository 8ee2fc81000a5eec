"""The HTTP engine: retries, backoff, Retry-After, idempotency, timeouts, errors, configuration, logging."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

import cortexbuild_sdk
from cortexbuild_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncCortexBuild,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CortexBuild,
    CortexBuildError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    _base_client,
)

from .conftest import API_KEY, BASE_URL, Runner
from .contract_bodies import WEBHOOK

OK = {"success": True, "webhook": WEBHOOK}
HOOK_PATH = "/api/integrations/webhooks/123"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record backoff delays instead of sleeping them."""
    recorded: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_base_client.time, "sleep", recorded.append)
    monkeypatch.setattr(_base_client.asyncio, "sleep", fake_async_sleep)
    return recorded


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retries_retryable_statuses_then_succeeds(
    status: int, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(HOOK_PATH).mock(
        side_effect=[httpx.Response(status, json={"error": "busy"}), httpx.Response(200, json=OK)]
    )
    assert run(lambda c: c.webhooks.retrieve(123), max_retries=2).id == 123
    assert route.call_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_does_not_retry_client_errors(status: int, run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    route = api.get(HOOK_PATH).respond(status, json={"error": "no"})
    with pytest.raises(APIStatusError):
        run(lambda c: c.webhooks.retrieve(123), max_retries=3)
    assert route.call_count == 1
    assert sleeps == []


def test_gives_up_after_max_retries_with_exponential_backoff(
    run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(HOOK_PATH).respond(503, json={"error": "down"})
    with pytest.raises(InternalServerError):
        run(lambda c: c.webhooks.retrieve(123), max_retries=6)
    assert route.call_count == 7
    caps = [0.5, 1, 2, 4, 8, 8]
    assert len(sleeps) == 6
    for delay, cap in zip(sleeps, caps, strict=True):
        assert 0.75 * cap <= delay <= cap  # up to 25 % jitter below the doubling curve


def test_retry_after_seconds_is_honoured(run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    api.get(HOOK_PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "slow"}),
            httpx.Response(200, json=OK),
        ]
    )
    run(lambda c: c.webhooks.retrieve(123), max_retries=1)
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured(run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    api.get(HOOK_PATH).mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, json=OK)]
    )
    run(lambda c: c.webhooks.retrieve(123), max_retries=1)
    assert 28 <= sleeps[0] <= 30


def test_retry_after_beyond_60_seconds_falls_back_to_backoff(
    run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(HOOK_PATH).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200, json=OK)]
    )
    run(lambda c: c.webhooks.retrieve(123), max_retries=1)
    assert sleeps[0] <= 0.5


def test_connection_errors_are_retried_then_raised(run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    route = api.get(HOOK_PATH).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        run(lambda c: c.webhooks.retrieve(123), max_retries=2)
    assert not isinstance(info.value, APITimeoutError)
    assert route.call_count == 3
    assert info.value.request.url.path == HOOK_PATH


def test_timeouts_raise_api_timeout_error(run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    route = api.get(HOOK_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        run(lambda c: c.webhooks.retrieve(123), max_retries=1)
    assert route.call_count == 2


def test_a_transient_timeout_is_retried(run: Runner, api: respx.MockRouter, sleeps: list[float]) -> None:
    api.get(HOOK_PATH).mock(side_effect=[httpx.ConnectTimeout("slow"), httpx.Response(200, json=OK)])
    assert run(lambda c: c.webhooks.retrieve(123), max_retries=1).id == 123


def test_idempotency_key_is_generated_for_post_and_reused_across_retries(
    run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.post("/api/integrations/webhooks").mock(
        side_effect=[httpx.Response(500), httpx.Response(502), httpx.Response(200, json=OK)]
    )
    run(lambda c: c.webhooks.create(name="n", url="https://x.test", events=["*"]), max_retries=2)
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    assert len(keys) == 1
    assert keys.pop()


def test_each_post_call_gets_its_own_idempotency_key(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks").respond(json=OK)

    def twice(c: Any) -> Any:
        if isinstance(c, CortexBuild):
            c.webhooks.create(name="n", url="https://x.test", events=["*"])
            return c.webhooks.create(name="n", url="https://x.test", events=["*"])

        async def go() -> Any:
            await c.webhooks.create(name="n", url="https://x.test", events=["*"])
            return await c.webhooks.create(name="n", url="https://x.test", events=["*"])

        return go()

    run(twice)
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert len(set(keys)) == 2


def test_explicit_idempotency_key_and_per_request_options(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks").respond(json=OK)
    run(
        lambda c: c.webhooks.create(
            name="n",
            url="https://x.test",
            events=["*"],
            idempotency_key="order-42",
            extra_headers={"X-Trace": "t1"},
            extra_query={"dry_run": "1"},
            timeout=3.5,
        )
    )
    request = route.calls.last.request
    assert request.headers["idempotency-key"] == "order-42"
    assert request.headers["x-trace"] == "t1"
    assert request.url.params["dry_run"] == "1"
    assert request.extensions["timeout"]["read"] == 3.5


def test_get_requests_carry_no_idempotency_key(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    assert "idempotency-key" not in route.calls.last.request.headers


def test_default_timeout_has_a_short_connect_timeout(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["connect"] == 5.0
    assert timeout["read"] == 60.0


def test_user_agent_names_sdk_and_python_versions(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    agent = route.calls.last.request.headers["user-agent"]
    assert f"cortexbuild-sdk-python/{cortexbuild_sdk.__version__}" in agent
    assert "Python 3." in agent


ERRORS = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "error_class"), ERRORS)
def test_status_errors_carry_message_code_request_id_and_response(
    status: int, error_class: type[APIStatusError], run: Runner, api: respx.MockRouter
) -> None:
    body = {"success": False, "error": "Plan limit reached", "code": "plan_limit_exceeded", "details": {"limit": 3}}
    api.get(HOOK_PATH).respond(status, json=body, headers={"X-Request-Id": "req_123"})
    with pytest.raises(error_class) as info:
        run(lambda c: c.webhooks.retrieve(123))
    error = info.value
    assert type(error) is error_class
    assert isinstance(error, CortexBuildError)
    assert error.status_code == status
    assert error.message == "Plan limit reached"
    assert error.code == "plan_limit_exceeded"
    assert error.details == {"limit": 3}
    assert error.request_id == "req_123"
    assert error.response.status_code == status
    assert error.body == body
    assert "req_123" in str(error)


def test_platform_errors_without_code_still_carry_the_message(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(404, json={"error": "Webhook not found"})
    with pytest.raises(NotFoundError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.message == "Webhook not found"
    assert info.value.code is None


def test_non_json_error_bodies_are_reported(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(502, text="<html>Bad Gateway</html>")
    with pytest.raises(InternalServerError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert "Bad Gateway" in info.value.message


def test_rate_limit_error_exposes_retry_after(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(429, json={"error": "slow down", "code": "rate_limited"}, headers={"Retry-After": "12"})
    with pytest.raises(RateLimitError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.retry_after == 12.0


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"success": true}', b'{"success": true, "webhook": {"id": "abc"}}', b"[]"],
    ids=["invalid-json", "missing-key", "wrong-type", "wrong-shape"],
)
def test_malformed_success_bodies_raise_response_validation_error(
    body: bytes, run: Runner, api: respx.MockRouter
) -> None:
    api.get(HOOK_PATH).respond(200, content=body)
    with pytest.raises(APIResponseValidationError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.status_code == 200


@pytest.mark.parametrize("bad_id", ["..", "", ".", True, 1.5, None])
def test_ids_that_could_change_the_route_are_refused(bad_id: Any) -> None:
    client = CortexBuild(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises((TypeError, ValueError)):
        client.webhooks.retrieve(bad_id)


def test_string_ids_are_path_quoted(run: Runner, api: respx.MockRouter) -> None:
    route = api.route().respond(json=OK)
    run(lambda c: c.webhooks.retrieve("a/b"))
    assert route.calls.last.request.url.raw_path == b"/api/integrations/webhooks/a%2Fb"


def test_a_str_where_a_list_is_due_is_refused_before_sending(api: respx.MockRouter) -> None:
    client = CortexBuild(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(TypeError, match="list"):
        client.webhooks.create(name="n", url="https://x.test", events="project.created")
    with pytest.raises(TypeError, match="list"):
        client.keys.create(name="n", scopes="webhooks:write")


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


@pytest.mark.parametrize(("status", "verdict", "calls"), [(409, "false", 1), (400, "true", 2), (503, "false", 1)])
def test_server_can_overrule_the_retry_policy(
    status: int, verdict: str, calls: int, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(HOOK_PATH).mock(
        side_effect=[httpx.Response(status, headers={"X-Should-Retry": verdict}), httpx.Response(200, json=OK)]
    )
    if calls == 1:
        with pytest.raises(APIStatusError):
            run(lambda c: c.webhooks.retrieve(123), max_retries=2)
    else:
        run(lambda c: c.webhooks.retrieve(123), max_retries=2)
    assert route.call_count == calls


def test_rate_limit_error_reads_an_http_date_retry_after(run: Runner, api: respx.MockRouter) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    api.get(HOOK_PATH).respond(429, json={"error": "slow down"}, headers={"Retry-After": when})
    with pytest.raises(RateLimitError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.retry_after is not None
    assert 85 <= info.value.retry_after <= 90

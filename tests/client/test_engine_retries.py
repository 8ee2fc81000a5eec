"""The HTTP engine's retries: which statuses and failures it retries, backoff, Retry-After, timeouts, and the
server overruling the policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
import respx

from cortexbuild_sdk import APIConnectionError, APIStatusError, APITimeoutError, InternalServerError

from .conftest import Runner
from .contract_bodies import HOOK_PATH, OK


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

"""The connector engine: one request description, run by httpx.Client and httpx.AsyncClient alike; host
rewriting, redacted logging, unsent requests, Retry-After."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk.local.connectors import slack
from cortexbuild_sdk.local.connectors.base import Channel, Exchange, NotSent, ProviderError, redact_url, rewrite_url
from cortexbuild_sdk.local.connectors.hosts import resolve_provider_urls


def _channel(log: list[Exchange], *, send: bool = True, sleeps: list[float] | None = None) -> Channel:
    def record(exchange: Exchange) -> int:
        log.append(exchange)
        return len(log)

    return Channel(
        provider="slack",
        auth=lambda: {"Authorization": "Bearer xoxb-secret"},
        log=record,
        read_error=slack.SlackConnector().read_error,
        base_url="http://127.0.0.1:8123/emu",
        send=send,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def _answers(route: respx.Route) -> None:
    route.mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"ok": False, "error": "ratelimited"}),
            httpx.Response(200, json={"ok": True, "channel": "C1", "ts": "9.9"}),
        ]
    )


def test_sync_and_async_run_the_same_description() -> None:
    request = slack.post_message("#general", "hi", thread_ts="1.0")
    sync_log: list[Exchange] = []
    sleeps: list[float] = []
    with respx.mock as mock:
        route = mock.post("http://127.0.0.1:8123/emu/api/chat.postMessage")
        _answers(route)
        with httpx.Client() as http:
            got = _channel(sync_log, sleeps=sleeps).call(http, request)
        sync_body = route.calls.last.request.content
    async_log: list[Exchange] = []

    async def run() -> dict[str, Any]:
        with respx.mock as mock:
            route = mock.post("http://127.0.0.1:8123/emu/api/chat.postMessage")
            _answers(route)
            async with httpx.AsyncClient() as http:
                result = await _channel(async_log).acall(http, request)
            assert route.calls.last.request.content == sync_body
            return result

    import anyio

    assert anyio.run(run) == got == {"ok": True, "channel": "C1", "ts": "9.9"}
    assert sleeps == [2.0]
    assert (
        [(e.status, e.url) for e in sync_log]
        == [(e.status, e.url) for e in async_log]
        == [
            (429, "http://127.0.0.1:8123/emu/api/chat.postMessage"),
            (200, "http://127.0.0.1:8123/emu/api/chat.postMessage"),
        ]
    )
    assert all("xoxb-secret" not in (e.request_body or "") for e in sync_log)


def test_not_sent_is_logged_and_nothing_leaves() -> None:
    log: list[Exchange] = []
    with respx.mock(assert_all_called=False), httpx.Client() as http, pytest.raises(NotSent) as caught:
        _channel(log, send=False).call(http, slack.post_message("#g", "x"))
    assert caught.value.log_id == 1
    assert [(e.sent, e.status, e.method) for e in log] == [(False, None, "POST")]
    assert log[0].request_body == '{"channel": "#g", "text": "x"}'


def test_redaction_and_rewrite() -> None:
    assert redact_url("https://x.example/a?key=s3cret&q=ok&access_token=t") == (
        "https://x.example/a?key=[redacted]&q=ok&access_token=[redacted]"
    )
    assert rewrite_url("https://slack.com/api/auth.test?x=1", "http://127.0.0.1:9/base") == (
        "http://127.0.0.1:9/base/api/auth.test?x=1"
    )
    from cortexbuild_sdk.local.connectors.base import redact_body

    body = b'{"client_secret": "s", "nested": {"refresh_token": "r", "name": "n"}}'
    assert redact_body(body, "application/json") == (
        '{"client_secret": "[redacted]", "nested": {"refresh_token": "[redacted]", "name": "n"}}'
    )
    assert redact_body(b"grant_type=refresh_token&refresh_token=abc", "application/x-www-form-urlencoded") == (
        "grant_type=refresh_token&refresh_token=%5Bredacted%5D"
    )


def test_provider_url_settings() -> None:
    env = {
        "CORTEXBUILD_PROVIDER_SLACK_URL": "http://127.0.0.1:1/",
        "CORTEXBUILD_PROVIDER_JIRA_URL": "http://127.0.0.1:2",
    }
    assert resolve_provider_urls({"jira": "http://127.0.0.1:3"}, env) == {
        "slack": "http://127.0.0.1:1",
        "jira": "http://127.0.0.1:3",
    }
    with pytest.raises(ValueError, match="unknown provider"):
        resolve_provider_urls({"myspace": "http://127.0.0.1:1"}, {})
    with pytest.raises(ValueError, match="http"):
        resolve_provider_urls({"slack": "ftp://x"}, {})


def test_retry_after_too_long_fails_clearly() -> None:
    log: list[Exchange] = []
    with respx.mock as mock, httpx.Client() as http:
        mock.post("http://127.0.0.1:8123/emu/api/auth.test").respond(
            429, headers={"Retry-After": "3600"}, json={"ok": False, "error": "ratelimited"}
        )
        with pytest.raises(ProviderError) as caught:
            _channel(log).call(http, slack.auth_test())
    assert caught.value.code == "provider_rate_limited" and caught.value.retry_after == 3600.0

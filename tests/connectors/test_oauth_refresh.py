"""OAuth 2.0 under load: refresh before expiry, rotation, one refresh at a time, invalid_grant, 429 and 5xx."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from cortexbuild_sdk import ConflictError, CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock

from .conftest import HOST, SLEEPS, connect, token_answer

POST = f"{HOST}/api/chat.postMessage"


def _post_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, json={"ok": True, "channel": "C1", "ts": "1.1", "token": request.headers["authorization"]}
    )


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_connect_and_use_the_token(client: CortexBuild) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, token = connect(client, mock)
        exchange = _form(token.calls.last.request)
        assert exchange == {
            "grant_type": "authorization_code",
            "code": "good-code",
            "redirect_uri": "http://127.0.0.1/cb",
        }
        assert token.calls.last.request.headers["authorization"].startswith("Basic ")  # Slack: client in Basic auth
        post = mock.post(POST).mock(side_effect=_post_ok)
        result = client.integrations.slack(iid).send_message(channel="#general", text="Pour at 7")
    assert result.sent and result.result == {"channel": "C1", "ts": "1.1"}
    assert post.calls.last.request.headers["authorization"] == "Bearer xoxb-1"
    assert post.calls.last.request.headers["content-type"].startswith("application/json")


def test_refresh_before_expiry_keeps_the_old_refresh_token(client: CortexBuild, clock: ManualClock) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, token = connect(client, mock, answer=token_answer(1, expires_in=3600))
        post = mock.post(POST).mock(side_effect=_post_ok)
        clock.advance(3600 - 30)  # inside the 60 s skew: refreshed before the provider would refuse it
        token.mock(return_value=httpx.Response(200, json=token_answer(2, refresh=None)))  # Google-style: none sent
        client.integrations.slack(iid).send_message(channel="#general", text="a")
        assert _form(token.calls.last.request) == {"grant_type": "refresh_token", "refresh_token": "xoxe-1-1"}
        assert post.calls.last.request.headers["authorization"] == "Bearer xoxb-2"
        clock.advance(3600)
        token.mock(return_value=httpx.Response(200, json=token_answer(3, refresh=None)))
        client.integrations.slack(iid).send_message(channel="#general", text="b")
        # the refresh token was kept, so the second refresh could still use it
        assert _form(token.calls.last.request)["refresh_token"] == "xoxe-1-1"
        assert token.call_count == 3  # exchange + two refreshes


def test_rotated_refresh_token_is_stored_before_use(client: CortexBuild, backend: Backend, clock: ManualClock) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, token = connect(client, mock, answer=token_answer(1, expires_in=100))
        stored: list[str] = []

        def post(request: httpx.Request) -> httpx.Response:
            # When the new access token is first used, the rotated refresh token must already be durable.
            from cortexbuild_sdk.local.sealing import Purpose, unseal

            with backend.db.read() as conn:
                sealed = conn.execute(
                    "SELECT refresh_token FROM oauth_tokens WHERE integration_id = ?", (iid,)
                ).fetchone()[0]
            stored.append(unseal(backend.keyring, "live", Purpose.OAUTH_REFRESH, iid, sealed))
            return _post_ok(request)

        mock.post(POST).mock(side_effect=post)
        token.mock(return_value=httpx.Response(200, json=token_answer(2, refresh="xoxe-1-rotated")))
        clock.advance(100)
        client.integrations.slack(iid).send_message(channel="#general", text="a")
        assert stored == ["xoxe-1-rotated"]
        token.mock(return_value=httpx.Response(200, json=token_answer(3)))
        clock.advance(100_000)
        client.integrations.slack(iid).send_message(channel="#general", text="b")
        assert _form(token.calls.last.request)["refresh_token"] == "xoxe-1-rotated"


def test_concurrent_threads_refresh_once(client: CortexBuild, clock: ManualClock) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, token = connect(client, mock, answer=token_answer(1, expires_in=100))
        post = mock.post(POST).mock(side_effect=_post_ok)
        refreshes = []

        def refresh(request: httpx.Request) -> httpx.Response:
            refreshes.append(_form(request)["refresh_token"])
            time.sleep(0.2)  # every other thread arrives while this refresh is in flight
            return httpx.Response(200, json=token_answer(2, refresh="xoxe-1-rotated"))

        token.mock(side_effect=refresh)
        clock.advance(100)
        errors: list[BaseException] = []

        def send() -> None:
            try:
                client.integrations.slack(iid).send_message(channel="#general", text="x")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not errors and refreshes == ["xoxe-1-1"]  # one refresh, with the original token
    assert {c.request.headers["authorization"] for c in post.calls} == {"Bearer xoxb-2"}
    assert post.call_count == 8


def test_invalid_grant_marks_the_integration_and_stops_its_work(client: CortexBuild, clock: ManualClock) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, token = connect(client, mock, answer=token_answer(1, expires_in=100))
        post = mock.post(POST).mock(side_effect=_post_ok)
        token.mock(return_value=httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"}))
        clock.advance(100)
        with pytest.raises(ConflictError) as caught:
            client.integrations.slack(iid).send_message(channel="#general", text="x")
        assert caught.value.code == "reauthorization_required"
        integration = client.integrations.retrieve(iid)
        assert integration.sync_status == "error" and "reauthorization required" in (integration.error or "")
        with pytest.raises(ConflictError):  # stopped: no more provider traffic, no sync
            client.integrations.sync(iid)
        with pytest.raises(ConflictError):
            client.integrations.slack(iid).send_message(channel="#general", text="y")
        assert token.call_count == 2 and post.call_count == 0
        # Reconnecting through OAuth with integration_id repairs the same integration.
        auth = client.integrations.oauth.authorize(
            "slack", redirect_uri="http://127.0.0.1/cb", name="again", integration_id=iid
        )
        token.mock(return_value=httpx.Response(200, json=token_answer(5)))
        assert client.integrations.oauth.callback("slack", code="c2", state=auth.state).id == iid
        fixed = client.integrations.retrieve(iid)
        assert fixed.error is None and fixed.sync_status == "idle"
        client.integrations.slack(iid).send_message(channel="#general", text="z")
        assert post.calls.last.request.headers["authorization"] == "Bearer xoxb-5"
        assert [i.id for i in client.integrations.list()] == [iid]


def test_provider_429_honours_retry_after(client: CortexBuild) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, _ = connect(client, mock)
        post = mock.post(POST).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "7"}, json={"ok": False, "error": "ratelimited"}),
                httpx.Response(200, json={"ok": True, "channel": "C1", "ts": "2.2"}),
            ]
        )
        result = client.integrations.slack(iid).send_message(channel="#general", text="x")
    assert result.result == {"channel": "C1", "ts": "2.2"} and post.call_count == 2 and SLEEPS == [7.0]
    logged = list(client.integrations.requests(iid))
    assert [r.status for r in logged[:2]] == [200, 429]


def test_provider_5xx_retries_reads_and_reports_writes(client: CortexBuild) -> None:
    with respx.mock(assert_all_called=False) as mock:
        iid, _ = connect(client, mock)
        auth = mock.post(f"{HOST}/api/auth.test").mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(200, json={"ok": True, "team": "Acme", "user_id": "U1"}),
            ]
        )
        assert client.integrations.test(iid).result == {
            "team": "Acme",
            "team_id": None,
            "user": None,
            "user_id": "U1",
            "bot_id": None,
            "url": None,
        }
        assert auth.call_count == 2
        mock.post(POST).mock(return_value=httpx.Response(502))
        from cortexbuild_sdk import APIStatusError

        with pytest.raises(APIStatusError) as caught:  # a post is not repeated blindly: it could double-post
            client.integrations.slack(iid).send_message(channel="#general", text="x")
        assert caught.value.status_code == 502 and caught.value.code == "provider_error"


def test_slack_ok_false_is_a_typed_error(client: CortexBuild) -> None:
    from cortexbuild_sdk import APIStatusError

    with respx.mock(assert_all_called=False) as mock:
        iid, _ = connect(client, mock)
        mock.post(POST).mock(return_value=httpx.Response(200, json={"ok": False, "error": "channel_not_found"}))
        with pytest.raises(APIStatusError) as caught:
            client.integrations.slack(iid).send_message(channel="#nope", text="x")
    assert caught.value.status_code == 502 and caught.value.code == "slack_error"
    assert "channel_not_found" in str(caught.value)

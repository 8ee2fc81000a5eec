"""OAuth token exchanges and refreshes against a loopback token server emulating each provider's real request
and response shapes, and how they fail."""

from __future__ import annotations

import base64
import socket
from typing import Any

import httpx
import pytest
from oauth_helpers import REDIRECT, TokenServer

from cortexbuild_sdk.local.oauth import OAuthConfig, OAuthError, TokenSet, exchange_code, load_config, new_pkce, refresh

NOW = 1_760_000_000.0

pytestmark = pytest.mark.usefixtures("_clean_env")


def _config(provider: str, server: TokenServer, **extra: str) -> OAuthConfig:
    config = load_config(
        provider, {"client_id": "cid.123", "client_secret": "s3cret", "token_url": server.url, **extra}
    )
    assert config is not None
    return config


def _basic(headers: dict[str, str]) -> tuple[str, str]:
    scheme, _, value = headers["authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(value).decode().partition(":")
    return user, password


# ---- token endpoint: success shapes ------------------------------------------------------------------------


def test_quickbooks_exchange_and_rotating_refresh(server: TokenServer, http: httpx.Client) -> None:
    config = _config("quickbooks", server)
    server.reply(
        200,
        {
            "token_type": "bearer",
            "access_token": "eyJlbmMi.qb",
            "refresh_token": "AB11-first",
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8726400,
        },
    )
    tokens = exchange_code(config, code="c0de", redirect_uri=REDIRECT, code_verifier="v", http=http, now=NOW)
    assert tokens.access_token == "eyJlbmMi.qb"
    assert tokens.refresh_token == "AB11-first"
    assert tokens.expires_at == NOW + 3600
    assert tokens.token_type == "bearer"
    assert tokens.extra == {"x_refresh_token_expires_in": 8726400}
    req = server.last
    assert _basic(req.headers) == ("cid.123", "s3cret")  # Intuit: HTTP Basic client auth
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.headers["accept"] == "application/json"
    assert req.form == {"grant_type": "authorization_code", "code": "c0de", "redirect_uri": REDIRECT}

    server.reply(
        200,
        {"token_type": "bearer", "access_token": "new", "refresh_token": "AB11-second", "expires_in": 3600},
    )
    renewed = refresh(config, refresh_token="AB11-first", http=http, now=NOW + 100)
    assert renewed.refresh_token == "AB11-second"  # Intuit rotates: keep the new one
    assert renewed.expires_at == NOW + 3700
    assert server.last.form == {"grant_type": "refresh_token", "refresh_token": "AB11-first"}


def test_slack_exchange(server: TokenServer, http: httpx.Client) -> None:
    config = _config("slack", server)
    server.reply(
        200,
        {
            "ok": True,
            "access_token": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
            "token_type": "bot",
            "scope": "chat:write,channels:read",
            "bot_user_id": "U0KRQLJ9H",
            "app_id": "A0KRD7HC3",
            "team": {"name": "Slack Pickleball Team", "id": "T9TK3CUKW"},
            "enterprise": None,
            "authed_user": {"id": "U1234", "scope": "", "access_token": "xoxp-1", "token_type": "user"},
        },
    )
    tokens = exchange_code(config, code="c", redirect_uri=REDIRECT, code_verifier="v", http=http, now=NOW)
    assert tokens.access_token.startswith("xoxb-")
    assert tokens.token_type == "bot"
    assert tokens.refresh_token is None
    assert tokens.expires_at is None
    assert tokens.scope == "chat:write,channels:read"
    assert tokens.extra["team"]["id"] == "T9TK3CUKW"
    assert "ok" not in tokens.extra
    assert _basic(server.last.headers) == ("cid.123", "s3cret")
    assert "code_verifier" not in server.last.form


def test_slack_rotation_refresh(server: TokenServer, http: httpx.Client) -> None:
    config = _config("slack", server)
    server.reply(
        200,
        {"ok": True, "access_token": "xoxe.xoxb-1-new", "token_type": "bot", "expires_in": 43200,
         "refresh_token": "xoxe-1-rotated", "team": {"id": "T1"}},
    )  # fmt: skip
    tokens = refresh(config, refresh_token="xoxe-1-old", http=http, now=NOW)
    assert tokens.refresh_token == "xoxe-1-rotated"
    assert tokens.expires_at == NOW + 43200


def test_google_exchange_with_pkce_and_refresh_keeps_token(server: TokenServer, http: httpx.Client) -> None:
    config = _config("google_drive", server)
    verifier, _ = new_pkce()
    server.reply(
        200,
        {"access_token": "ya29.a0", "expires_in": 3599, "refresh_token": "1//0g-refresh",
         "scope": "https://www.googleapis.com/auth/drive.file", "token_type": "Bearer"},
    )  # fmt: skip
    tokens = exchange_code(config, code="4/0A", redirect_uri=REDIRECT, code_verifier=verifier, http=http, now=NOW)
    assert tokens.refresh_token == "1//0g-refresh"
    assert tokens.scope == "https://www.googleapis.com/auth/drive.file"
    req = server.last
    assert "authorization" not in req.headers  # Google: client credentials in the body
    assert req.form == {
        "grant_type": "authorization_code",
        "code": "4/0A",
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_id": "cid.123",
        "client_secret": "s3cret",
    }
    server.reply(200, {"access_token": "ya29.b1", "expires_in": 3599, "token_type": "Bearer"})
    renewed = refresh(config, refresh_token="1//0g-refresh", http=http, now=NOW + 10)
    assert renewed.access_token == "ya29.b1"
    assert renewed.refresh_token == "1//0g-refresh"  # none returned: the old one is kept
    assert server.last.form["grant_type"] == "refresh_token"
    assert server.last.form["client_secret"] == "s3cret"


def test_dropbox_exchange(server: TokenServer, http: httpx.Client) -> None:
    config = _config("dropbox", server)
    server.reply(
        200,
        {"access_token": "sl.u.AF", "expires_in": "14400", "token_type": "bearer", "refresh_token": "nBiM85",
         "scope": "files.content.read files.content.write", "uid": "12345", "account_id": "dbid:AAH4f99"},
    )  # fmt: skip
    tokens = exchange_code(config, code="c", redirect_uri=REDIRECT, code_verifier="ver", http=http, now=NOW)
    assert tokens.expires_at == NOW + 14400
    assert tokens.extra == {"uid": "12345", "account_id": "dbid:AAH4f99"}
    assert _basic(server.last.headers) == ("cid.123", "s3cret")
    assert server.last.form["code_verifier"] == "ver"


def test_public_pkce_client_sends_only_client_id(server: TokenServer, http: httpx.Client) -> None:
    config = load_config("dropbox", {"client_id": "pub", "token_url": server.url})
    assert config is not None
    server.reply(200, {"access_token": "a", "token_type": "bearer"})
    exchange_code(config, code="c", redirect_uri=REDIRECT, code_verifier="v", http=http, now=NOW)
    assert "authorization" not in server.last.headers
    assert server.last.form["client_id"] == "pub"
    assert "client_secret" not in server.last.form


# ---- token endpoint: failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "status", "body", "code"),
    [
        ("google_drive", 400, {"error": "invalid_grant", "error_description": "Bad Request"}, "invalid_grant"),
        ("quickbooks", 401, {"error": "invalid_client"}, "invalid_client"),
        ("dropbox", 400, {"error": "invalid_grant", "error_description": "code has expired"}, "invalid_grant"),
        ("slack", 200, {"ok": False, "error": "invalid_code"}, "invalid_code"),
        ("slack", 200, {"ok": False}, "slack_error"),
        ("google_drive", 200, {"error": "invalid_request"}, "invalid_request"),
        ("google_drive", 500, b"<html>oops</html>", "http_error"),
        ("google_drive", 503, {"message": "down"}, "http_error"),
        ("dropbox", 200, b"not json", "invalid_response"),
        ("dropbox", 200, [1, 2], "invalid_response"),
        ("dropbox", 200, {"token_type": "bearer"}, "missing_access_token"),
        ("slack", 200, {"ok": True, "team": {"id": "T1"}}, "missing_access_token"),
    ],
)
def test_errors(server: TokenServer, http: httpx.Client, provider: str, status: int, body: Any, code: str) -> None:
    config = _config(provider, server)
    server.reply(status, body)
    with pytest.raises(OAuthError) as info:
        exchange_code(config, code="c", redirect_uri=REDIRECT, code_verifier="v", http=http, now=NOW)
    assert info.value.code == code
    assert "s3cret" not in str(info.value)
    with pytest.raises(OAuthError) as info:
        refresh(config, refresh_token="r", http=http, now=NOW)
    assert info.value.code == code


def test_network_failure(http: httpx.Client) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = load_config("google_drive", {"client_id": "x", "token_url": f"http://127.0.0.1:{port}/token"})
    assert config is not None
    with pytest.raises(OAuthError) as info:
        refresh(config, refresh_token="r", http=http, now=NOW)
    assert info.value.code == "network_error"


def test_tokenset_repr_hides_tokens() -> None:
    tokens = TokenSet("secret-access", "secret-refresh", "Bearer", None, None, {})
    assert "secret" not in repr(tokens)

"""OAuth flows against a loopback token server emulating each provider's real request and response shapes."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from cortexbuild_sdk.local.oauth import (
    OAUTH_PROVIDERS,
    OAuthConfig,
    OAuthError,
    TokenSet,
    authorization_url,
    config_env_vars,
    exchange_code,
    load_config,
    new_pkce,
    new_state,
    refresh,
)
from cortexbuild_sdk.local.providers import PROVIDERS

NOW = 1_760_000_000.0
REDIRECT = "http://localhost:8080/callback"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class TokenServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    body: bytes = b"{}"

    def reply(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


@pytest.fixture
def server() -> Iterator[TokenServer]:
    state = TokenServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                Recorded(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    dict(parse_qsl(raw.decode(), keep_blank_values=True)),
                )
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/token"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in OAUTH_PROVIDERS:
        for name in config_env_vars(provider):
            monkeypatch.delenv(name, raising=False)


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


# ---- configuration ----------------------------------------------------------------------------------------


def test_oauth_providers_match_catalogue() -> None:
    assert set(OAUTH_PROVIDERS) == {p.id for p in PROVIDERS.values() if p.requires_oauth}


def test_not_configured_returns_none() -> None:
    for provider in OAUTH_PROVIDERS:
        assert load_config(provider) is None
        assert load_config(provider, {"client_secret": "x"}) is None


def test_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    names = config_env_vars("google_drive")
    assert names[:2] == ("CORTEXBUILD_OAUTH_GOOGLE_DRIVE_CLIENT_ID", "CORTEXBUILD_OAUTH_GOOGLE_DRIVE_CLIENT_SECRET")
    monkeypatch.setenv(names[0], "gid")
    monkeypatch.setenv(names[1], "gsecret")
    monkeypatch.setenv("CORTEXBUILD_OAUTH_GOOGLE_DRIVE_SCOPES", "openid, https://www.googleapis.com/auth/drive")
    config = load_config("google_drive")
    assert config is not None
    assert (config.client_id, config.client_secret) == ("gid", "gsecret")
    assert config.scopes == ("openid", "https://www.googleapis.com/auth/drive")
    assert config.token_url == "https://oauth2.googleapis.com/token"
    overridden = load_config("google_drive", {"client_id": "other"})
    assert overridden is not None
    assert overridden.client_id == "other"


def test_real_default_endpoints() -> None:
    expected = {
        "quickbooks": (
            "https://appcenter.intuit.com/connect/oauth2",
            "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            ("com.intuit.quickbooks.accounting",),
        ),
        "slack": ("https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", None),
        "google_drive": (
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            ("https://www.googleapis.com/auth/drive.file",),
        ),
        "dropbox": ("https://www.dropbox.com/oauth2/authorize", "https://api.dropboxapi.com/oauth2/token", None),
    }
    for provider, (authorize, token, scopes) in expected.items():
        config = load_config(provider, {"client_id": "id"})
        assert config is not None
        assert (config.authorize_url, config.token_url) == (authorize, token)
        if scopes is not None:
            assert config.scopes == scopes


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "x", "token_url": "http://example.com/token"},
        {"client_id": "x", "authorize_url": "ftp://example.com"},
        {"client_id": "x", "use_pkce": "maybe"},
        {"client_id": "x", "colour": "blue"},
    ],
)
def test_bad_settings(overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"OAuth|USE_PKCE|unknown"):
        load_config("dropbox", overrides)


def test_non_oauth_provider() -> None:
    with pytest.raises(ValueError, match="no OAuth flow"):
        load_config("stripe", {"client_id": "x"})
    with pytest.raises(ValueError, match="no OAuth flow"):
        config_env_vars("jira")


# ---- PKCE, state, authorize URL ----------------------------------------------------------------------------


def test_pkce_and_state() -> None:
    verifier, challenge = new_pkce()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert new_pkce()[0] != verifier
    assert len(new_state()) >= 32
    assert new_state() != new_state()


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_authorize_url_google() -> None:
    config = load_config("google_drive", {"client_id": "gid"})
    assert config is not None
    url = authorization_url(config, redirect_uri=REDIRECT, state="st", code_challenge="ch")
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    q = _query(url)
    assert q["response_type"] == ["code"]
    assert q["client_id"] == ["gid"]
    assert q["redirect_uri"] == [REDIRECT]
    assert q["state"] == ["st"]
    assert q["scope"] == ["https://www.googleapis.com/auth/drive.file"]
    assert q["code_challenge"] == ["ch"]
    assert q["code_challenge_method"] == ["S256"]
    assert q["access_type"] == ["offline"]
    assert q["prompt"] == ["consent"]


def test_authorize_url_slack_and_quickbooks_and_dropbox() -> None:
    slack = load_config("slack", {"client_id": "1.2", "scopes": "chat:write channels:read"})
    assert slack is not None
    q = _query(authorization_url(slack, redirect_uri=REDIRECT, state="s", code_challenge="c"))
    assert q["scope"] == ["chat:write,channels:read"]  # Slack wants commas
    assert "code_challenge" not in q
    qb = load_config("quickbooks", {"client_id": "q"})
    assert qb is not None
    q = _query(authorization_url(qb, redirect_uri=REDIRECT, state="s", code_challenge="c"))
    assert q["scope"] == ["com.intuit.quickbooks.accounting"]
    assert "code_challenge" not in q
    dbx = load_config("dropbox", {"client_id": "d"})
    assert dbx is not None
    q = _query(authorization_url(dbx, redirect_uri=REDIRECT, state="s", code_challenge="c"))
    assert q["token_access_type"] == ["offline"]
    assert q["code_challenge_method"] == ["S256"]


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

"""OAuth configuration (settings, environment, default endpoints), PKCE, state and authorize URLs."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from oauth_helpers import REDIRECT

from cortexbuild_sdk.local.oauth import (
    OAUTH_PROVIDERS,
    authorization_url,
    config_env_vars,
    load_config,
    new_pkce,
    new_state,
)
from cortexbuild_sdk.local.providers import PROVIDERS

pytestmark = pytest.mark.usefixtures("_clean_env")


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

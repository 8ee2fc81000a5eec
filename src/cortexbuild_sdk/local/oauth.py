"""OAuth 2.0 authorization-code flow (with PKCE where the provider supports it) for the OAuth providers.

Provider facts behind the defaults (from the providers' documentation):

* **quickbooks** (Intuit): authorize at ``appcenter.intuit.com/connect/oauth2``, tokens at
  ``oauth.platform.intuit.com/oauth2/v1/tokens/bearer`` with the client authenticated by HTTP Basic. The
  company id (``realmId``) arrives on the redirect, not in the token response. Intuit documents no PKCE, so
  it is off by default. Refresh responses carry a (possibly new) ``refresh_token`` that must replace the old
  one; ``x_refresh_token_expires_in`` lands in ``TokenSet.extra``.
* **slack**: ``slack.com/oauth/v2/authorize`` with *comma*-separated scopes, tokens from
  ``slack.com/api/oauth.v2.access`` (HTTP Basic is Slack's preferred client auth). Failures come back as
  HTTP 200 ``{"ok": false, "error": ...}``. The bot token is at the top level (``token_type`` ``"bot"``);
  ``team``, ``bot_user_id``, ``authed_user``... go to ``extra``. With token rotation enabled Slack also returns
  ``expires_in`` and a ``refresh_token`` (``xoxe-1-...``) that changes on each refresh. PKCE is off by
  default: Slack only accepts it once the app is switched to a public client, a one-way setting.
* **google_drive**: ``accounts.google.com/o/oauth2/v2/auth`` with ``access_type=offline`` and
  ``prompt=consent`` (a refresh token is only issued on consent), tokens from ``oauth2.googleapis.com/token``
  with the client credentials in the form body; PKCE S256 supported. Refresh responses carry no new refresh
  token.
* **dropbox**: ``www.dropbox.com/oauth2/authorize`` with ``token_access_type=offline`` (else no refresh
  token), tokens from ``api.dropboxapi.com/oauth2/token``; HTTP Basic or body params; PKCE S256 supported.
  ``account_id``/``uid`` go to ``extra``. Refresh responses carry no new refresh token.

When a refresh response has no ``refresh_token`` the one used for the refresh is kept in the returned
:class:`TokenSet`; when it has one (Intuit, rotating Slack) the new one is returned and must be stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

__all__ = [
    "OAUTH_PROVIDERS",
    "TOKEN_TIMEOUT",
    "OAuthConfig",
    "OAuthError",
    "TokenSet",
    "authorization_url",
    "config_env_vars",
    "exchange_code",
    "load_config",
    "new_pkce",
    "new_state",
    "refresh",
]

TOKEN_TIMEOUT = 10.0
"""Seconds allowed for a token endpoint call."""

ClientAuth = Literal["basic", "body"]


class OAuthError(Exception):
    """An OAuth step failed. ``code`` is the provider's error (``invalid_grant``...) or one of ours:
    ``network_error``, ``http_error``, ``invalid_response``, ``missing_access_token``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class OAuthConfig:
    provider: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra_authorize_params: Mapping[str, str]
    use_pkce: bool
    client_auth: ClientAuth = "body"
    """How the client authenticates at the token endpoint: HTTP Basic or ``client_id``/``client_secret``
    form fields. With an empty ``client_secret`` (public PKCE client) only ``client_id`` is sent, in the body."""
    scope_separator: str = " "


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    token_type: str
    expires_at: float | None
    scope: str | None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # keep tokens out of logs and tracebacks
        return f"TokenSet(token_type={self.token_type!r}, expires_at={self.expires_at!r}, scope={self.scope!r})"


@dataclass(frozen=True)
class _Defaults:
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra: Mapping[str, str]
    use_pkce: bool
    client_auth: ClientAuth
    scope_separator: str = " "


_DEFAULTS: Mapping[str, _Defaults] = MappingProxyType(
    {
        "quickbooks": _Defaults(
            "https://appcenter.intuit.com/connect/oauth2",
            "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            ("com.intuit.quickbooks.accounting",),
            {},
            use_pkce=False,
            client_auth="basic",
        ),
        "slack": _Defaults(
            "https://slack.com/oauth/v2/authorize",
            "https://slack.com/api/oauth.v2.access",
            ("chat:write", "channels:read"),
            {},
            use_pkce=False,
            client_auth="basic",
            scope_separator=",",
        ),
        "google_drive": _Defaults(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            ("https://www.googleapis.com/auth/drive.file",),
            {"access_type": "offline", "prompt": "consent"},
            use_pkce=True,
            client_auth="body",
        ),
        "dropbox": _Defaults(
            "https://www.dropbox.com/oauth2/authorize",
            "https://api.dropboxapi.com/oauth2/token",
            ("files.content.read", "files.content.write"),
            {"token_access_type": "offline"},
            use_pkce=True,
            client_auth="basic",
        ),
    }
)

OAUTH_PROVIDERS: tuple[str, ...] = tuple(_DEFAULTS)
"""Providers with an OAuth flow (the catalogue's ``requires_oauth`` ones)."""

_SETTINGS = ("CLIENT_ID", "CLIENT_SECRET", "AUTHORIZE_URL", "TOKEN_URL", "SCOPES", "USE_PKCE")


def _defaults(provider: str) -> _Defaults:
    try:
        return _DEFAULTS[provider]
    except (KeyError, TypeError):
        raise ValueError(f"{provider!r} has no OAuth flow; OAuth providers are: {', '.join(OAUTH_PROVIDERS)}") from None


def config_env_vars(provider: str) -> tuple[str, ...]:
    """The environment variables read for ``provider``; the first one (client id) is required."""
    _defaults(provider)
    return tuple(f"CORTEXBUILD_OAUTH_{provider.upper()}_{s}" for s in _SETTINGS)


CONFIG_ENV_VARS = config_env_vars  # the name used in the design notes


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError(f"OAuth {what} must be an https URL (http only for loopback), got {url!r}")
    return url


def load_config(provider: str, overrides: Mapping[str, str] | None = None) -> OAuthConfig | None:
    """The OAuth client configuration for ``provider``, or None when no client id is configured.

    Each setting comes from ``overrides`` (keys ``client_id``, ``client_secret``, ``authorize_url``,
    ``token_url``, ``scopes`` (space or comma separated), ``use_pkce`` (``true``/``false``)) or else from
    the environment (:func:`config_env_vars`), or else the provider default. ``ValueError`` for a provider
    without an OAuth flow or a bad setting.
    """
    defaults = _defaults(provider)
    names = dict(zip((s.lower() for s in _SETTINGS), config_env_vars(provider), strict=True))
    given = dict(overrides or {})
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(f"unknown OAuth setting(s): {', '.join(sorted(unknown))}")

    def get(key: str) -> str | None:
        value = given.get(key)
        if value is None:
            value = os.environ.get(names[key])
        value = value.strip() if isinstance(value, str) else None
        return value or None

    client_id = get("client_id")
    if client_id is None:
        return None
    scopes_text = get("scopes")
    scopes = tuple(s for s in scopes_text.replace(",", " ").split() if s) if scopes_text else defaults.scopes
    pkce_text = get("use_pkce")
    if pkce_text is None:
        use_pkce = defaults.use_pkce
    elif pkce_text.lower() in ("1", "true", "yes", "on"):
        use_pkce = True
    elif pkce_text.lower() in ("0", "false", "no", "off"):
        use_pkce = False
    else:
        raise ValueError(f"{names['use_pkce']} must be true or false, got {pkce_text!r}")
    return OAuthConfig(
        provider=provider,
        client_id=client_id,
        client_secret=get("client_secret") or "",
        authorize_url=_check_url(get("authorize_url") or defaults.authorize_url, "authorize URL"),
        token_url=_check_url(get("token_url") or defaults.token_url, "token URL"),
        scopes=scopes,
        extra_authorize_params=MappingProxyType(dict(defaults.extra)),
        use_pkce=use_pkce,
        client_auth=defaults.client_auth,
        scope_separator=defaults.scope_separator,
    )


def new_pkce() -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` pair, S256 (RFC 7636): 43-char verifier."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable ``state`` value binding the callback to the authorize request."""
    return secrets.token_urlsafe(32)


def authorization_url(config: OAuthConfig, *, redirect_uri: str, state: str, code_challenge: str) -> str:
    """The URL to send the user to. ``code_challenge`` is only included when ``config.use_pkce``."""
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if config.scopes:
        params["scope"] = config.scope_separator.join(config.scopes)
    if config.use_pkce:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    params.update(config.extra_authorize_params)
    parts = urlsplit(config.authorize_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def exchange_code(
    config: OAuthConfig, *, code: str, redirect_uri: str, code_verifier: str, http: httpx.Client, now: float
) -> TokenSet:
    """Trade an authorization code for tokens (``code_verifier`` sent only when ``config.use_pkce``)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if config.use_pkce:
        form["code_verifier"] = code_verifier
    return _parse(config, _post(config, form, http), now, previous_refresh=None)


def refresh(config: OAuthConfig, *, refresh_token: str, http: httpx.Client, now: float) -> TokenSet:
    """New tokens from a refresh token; the old refresh token is kept if the provider sends no new one."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _parse(config, _post(config, form, http), now, previous_refresh=refresh_token)


def _post(config: OAuthConfig, form: dict[str, str], http: httpx.Client) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if config.client_secret and config.client_auth == "basic":
        pair = f"{config.client_id}:{config.client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    else:
        form = {**form, "client_id": config.client_id}
        if config.client_secret:
            form["client_secret"] = config.client_secret
    who = f"{config.provider} token endpoint"
    try:
        response = http.post(
            config.token_url,
            data=form,
            headers=headers,
            timeout=TOKEN_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise OAuthError(f"{who} unreachable: {type(exc).__name__}: {exc}", "network_error") from None
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth: either way not an answer
        body = None
    if response.status_code >= 400:
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            raise OAuthError(f"{who} refused: {_describe(body)} (HTTP {response.status_code})", body["error"])
        raise OAuthError(f"{who} answered HTTP {response.status_code}", "http_error")
    if not isinstance(body, dict):
        raise OAuthError(f"{who} answered HTTP {response.status_code} without a JSON object", "invalid_response")
    if body.get("ok") is False:  # Slack: HTTP 200 with {"ok": false, "error": "..."}
        error = body.get("error") if isinstance(body.get("error"), str) else "slack_error"
        raise OAuthError(f"{who} refused: {error}", str(error))
    if isinstance(body.get("error"), str):
        raise OAuthError(f"{who} refused: {_describe(body)}", body["error"])
    return body


def _describe(body: Mapping[str, Any]) -> str:
    description = body.get("error_description")
    return f"{body['error']}: {description}" if isinstance(description, str) and description else str(body["error"])


def _is_text(value: str) -> bool:
    """False for strings holding lone surrogates (JSON's ``\\ud800``): they cannot be stored or rendered."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_EXPIRES_IN = 10 * 366 * 86400
"""Ten years: a token lifetime beyond this is not a lifetime (and would not fit the store's timestamps)."""


def _expires_in(config: OAuthConfig, value: Any) -> float | None:
    """Seconds until the access token expires; None when not given. A value that is not a positive, finite
    number of seconds (``"nan"``, ``1e300``, ``-5``, ``"soon"``) is a broken answer (``invalid_response``):
    storing a guess would make refresh run too early, too late or never."""
    if value is None:
        return None
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) if abs(value) < 1e18 else math.inf
    elif isinstance(value, str) and value.strip().isascii() and len(value) <= 32:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = None
    if seconds is None or not math.isfinite(seconds) or not 0 < seconds <= MAX_EXPIRES_IN:
        shown = repr(value)[:40]
        raise OAuthError(
            f"{config.provider} token endpoint answered expires_in={shown}, not a number of seconds from 1 to "
            f"{MAX_EXPIRES_IN}",
            "invalid_response",
        )
    return seconds


_STANDARD = ("access_token", "refresh_token", "token_type", "expires_in", "scope", "ok")


def _parse(config: OAuthConfig, body: dict[str, Any], now: float, *, previous_refresh: str | None) -> TokenSet:
    access = body.get("access_token")
    if not access and config.provider == "slack":
        # A user-scopes-only Slack install puts the token under authed_user.
        user = body.get("authed_user")
        access = user.get("access_token") if isinstance(user, dict) else None
    if not isinstance(access, str) or not access:
        raise OAuthError(f"{config.provider} token response has no access_token", "missing_access_token")
    new_refresh = body.get("refresh_token")
    expires_in = _expires_in(config, body.get("expires_in"))
    expires_at = None if expires_in is None else float(now) + expires_in
    token_type = body.get("token_type")
    scope = body.get("scope")
    for name, value in (
        ("access_token", access),
        ("refresh_token", new_refresh),
        ("token_type", token_type),
        ("scope", scope),
    ):
        if isinstance(value, str) and not _is_text(value):
            raise OAuthError(f"{config.provider} token endpoint answered a {name} that is not text", "invalid_response")
    return TokenSet(
        access_token=access,
        refresh_token=new_refresh if isinstance(new_refresh, str) and new_refresh else previous_refresh,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        expires_at=expires_at,
        scope=scope if isinstance(scope, str) else None,
        extra={k: v for k, v in body.items() if k not in _STANDARD},
    )

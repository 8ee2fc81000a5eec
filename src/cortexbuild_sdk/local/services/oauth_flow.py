"""The OAuth routes' logic: authorize (state + PKCE kept sealed), callback (real token exchange), refresh.

No HTTP call ever runs inside a database transaction: the state is consumed in one write, the token endpoint
is called, then the integration and its sealed tokens are stored in another write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from typing import Any

from .. import oauth
from ..connectors.base import rewrite_url
from ..errors import DomainError, Invalid, UpstreamFailed
from ..http import iso
from ..sealing import Purpose, seal, unseal
from .context import Ctx
from .integrations import _get, check_provider, insert, render

__all__ = ["STATE_TTL_MS", "authorize", "callback", "refresh"]

STATE_TTL_MS = 10 * 60 * 1000


def _config(ctx: Ctx, provider: str) -> oauth.OAuthConfig:
    info = check_provider(provider)
    if not info.requires_oauth:
        raise Invalid(f"{provider} does not use OAuth; create the integration with its credentials instead")
    overrides = (ctx.rt.oauth_overrides or {}).get(provider)
    try:
        config = oauth.load_config(provider, overrides)
    except ValueError as exc:
        raise Invalid(f"the {provider} OAuth client is misconfigured: {exc}", code="oauth_not_configured") from None
    base = ctx.rt.connectors.base_url(provider) if ctx.rt.connectors is not None else None
    if config is not None and base is not None:  # provider_urls: the OAuth hosts move with the API hosts
        keep = overrides or {}
        config = dataclasses.replace(
            config,
            authorize_url=config.authorize_url if "authorize_url" in keep else rewrite_url(config.authorize_url, base),
            token_url=config.token_url if "token_url" in keep else rewrite_url(config.token_url, base),
        )
    if config is None:
        names = oauth.config_env_vars(provider)
        raise Invalid(
            f"no OAuth client is configured for {provider}: set {names[0]} and {names[1]} "
            f"(optionally {', '.join(names[2:])}) or pass Backend(oauth={{'{provider}': {{...}}}})",
            code="oauth_not_configured",
            details={"env_vars": list(names)},
        )
    return config


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def authorize(
    ctx: Ctx, provider: str, *, redirect_uri: str, name: str | None, integration_id: int | None = None
) -> dict[str, Any]:
    """Start a flow; with ``integration_id`` the callback reconnects that integration (after
    ``reauthorization_required``) instead of creating one."""
    config = _config(ctx, provider)
    if integration_id is not None:
        with ctx.env.db.read() as conn:
            existing = _get(ctx, conn, integration_id)
        if existing["provider"] != provider:
            raise Invalid(f"integration {integration_id} is a {existing['provider']} integration, not {provider}")
    state = oauth.new_state()
    verifier, challenge = oauth.new_pkce()
    digest = _state_hash(state)
    now = ctx.now_ms()
    with ctx.env.db.write() as conn:
        conn.execute("DELETE FROM oauth_states WHERE expires_at < ?", (now,))
        conn.execute(
            "INSERT INTO oauth_states (state_hash, account_id, provider, name, redirect_uri, code_verifier,"
            " created_at, expires_at, integration_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest,
                ctx.account.id,
                provider,
                name or check_provider(provider).name,
                redirect_uri,
                seal(ctx.keyring, ctx.env.name, Purpose.OAUTH_STATE, digest, verifier),
                now,
                now + STATE_TTL_MS,
                integration_id,
            ),
        )
    url = oauth.authorization_url(config, redirect_uri=redirect_uri, state=state, code_challenge=challenge)
    return {"authorization_url": url, "state": state}


def _oauth_failed(exc: oauth.OAuthError) -> DomainError:
    # The provider failing (network, 5xx, garbage) is upstream's fault; a refused grant is the caller's.
    failed = UpstreamFailed if exc.code in ("network_error", "http_error", "invalid_response") else Invalid
    return failed(exc.message, code="oauth_error", details={"oauth_error": exc.code})


def _store_tokens(ctx: Ctx, conn: sqlite3.Connection, integration_id: int, tokens: oauth.TokenSet) -> None:
    now = ctx.now_ms()
    env = ctx.env.name
    access = seal(ctx.keyring, env, Purpose.OAUTH_ACCESS, integration_id, tokens.access_token)
    refresh_sealed = (
        seal(ctx.keyring, env, Purpose.OAUTH_REFRESH, integration_id, tokens.refresh_token)
        if tokens.refresh_token
        else None
    )
    expires = int(tokens.expires_at * 1000) if tokens.expires_at is not None else None
    conn.execute(
        "INSERT INTO oauth_tokens (integration_id, access_token, refresh_token, token_type, expires_at, scope,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration_id) DO UPDATE SET"
        " access_token = excluded.access_token, refresh_token = excluded.refresh_token,"
        " token_type = excluded.token_type, expires_at = excluded.expires_at, scope = excluded.scope,"
        " updated_at = excluded.updated_at",
        (integration_id, access, refresh_sealed, tokens.token_type, expires, tokens.scope, now, now),
    )


def callback(ctx: Ctx, provider: str, *, code: str, state: str, extra: dict[str, str]) -> dict[str, Any]:
    config = _config(ctx, provider)
    digest = _state_hash(state)
    with ctx.env.db.write() as conn:  # consume the state first: a state works once, even if the exchange fails
        row = conn.execute(
            "SELECT * FROM oauth_states WHERE state_hash = ? AND account_id = ?", (digest, ctx.account.id)
        ).fetchone()
        if row is not None:
            conn.execute("DELETE FROM oauth_states WHERE state_hash = ?", (digest,))
    if row is None or row["provider"] != provider or row["expires_at"] < ctx.now_ms():
        raise Invalid("unknown, used or expired OAuth state; start again with authorize", code="invalid_state")
    verifier = unseal(ctx.keyring, ctx.env.name, Purpose.OAUTH_STATE, digest, row["code_verifier"])
    try:
        tokens = oauth.exchange_code(
            config,
            code=code,
            redirect_uri=row["redirect_uri"],
            code_verifier=verifier,
            http=ctx.rt.http(),
            now=ctx.rt.clock.now(),
        )
    except oauth.OAuthError as exc:
        raise _oauth_failed(exc) from None
    with ctx.env.db.write() as conn:
        if row["integration_id"] is not None:  # reconnect: new tokens, the reauthorization error cleared
            integration_id = row["integration_id"]
            _get(ctx, conn, integration_id)
            conn.execute(
                "UPDATE integrations SET auth_error = NULL, sync_status = CASE WHEN sync_status = 'error'"
                " THEN 'idle' ELSE sync_status END, config = json_patch(config, ?), updated_at = ? WHERE id = ?",
                (json.dumps(extra), ctx.now_ms(), integration_id),
            )
        else:
            integration_id = insert(ctx, conn, provider=provider, name=row["name"], config=extra, credentials=None)
        _store_tokens(ctx, conn, integration_id, tokens)
        return render(_get(ctx, conn, integration_id))


def refresh(ctx: Ctx, integration_id: int) -> str | None:
    from .oauth_tokens import refresh_now

    expires = refresh_now(ctx, integration_id)
    return iso(expires) if expires is not None else None

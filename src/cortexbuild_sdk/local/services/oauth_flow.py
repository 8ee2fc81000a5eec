"""The OAuth routes' logic: authorize (state + PKCE kept sealed), callback (real token exchange), refresh.

No HTTP call ever runs inside a database transaction: the state is consumed in one write, the token endpoint
is called, then the integration and its sealed tokens are stored in another write.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from .. import oauth
from ..errors import Conflict, DomainError, Invalid, UpstreamFailed
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


def authorize(ctx: Ctx, provider: str, *, redirect_uri: str, name: str | None) -> dict[str, Any]:
    config = _config(ctx, provider)
    state = oauth.new_state()
    verifier, challenge = oauth.new_pkce()
    digest = _state_hash(state)
    now = ctx.now_ms()
    with ctx.env.db.write() as conn:
        conn.execute("DELETE FROM oauth_states WHERE expires_at < ?", (now,))
        conn.execute(
            "INSERT INTO oauth_states (state_hash, account_id, provider, name, redirect_uri, code_verifier,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest,
                ctx.account.id,
                provider,
                name or check_provider(provider).name,
                redirect_uri,
                seal(ctx.keyring, ctx.env.name, Purpose.OAUTH_STATE, digest, verifier),
                now,
                now + STATE_TTL_MS,
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
        integration_id = insert(ctx, conn, provider=provider, name=row["name"], config=extra, credentials=None)
        _store_tokens(ctx, conn, integration_id, tokens)
        return render(_get(ctx, conn, integration_id))


def refresh(ctx: Ctx, integration_id: int) -> str | None:
    with ctx.env.db.snapshot() as conn:
        row = _get(ctx, conn, integration_id)
        tok = conn.execute(
            "SELECT refresh_token FROM oauth_tokens WHERE integration_id = ?", (integration_id,)
        ).fetchone()
    if tok is None or tok[0] is None:
        raise Conflict(f"integration {integration_id} has no OAuth refresh token; connect it through authorize")
    config = _config(ctx, row["provider"])
    current = unseal(ctx.keyring, ctx.env.name, Purpose.OAUTH_REFRESH, integration_id, tok[0])
    try:
        tokens = oauth.refresh(config, refresh_token=current, http=ctx.rt.http(), now=ctx.rt.clock.now())
    except oauth.OAuthError as exc:
        raise _oauth_failed(exc) from None
    with ctx.env.db.write() as conn:
        _get(ctx, conn, integration_id)  # still there and still ours
        _store_tokens(ctx, conn, integration_id, tokens)
        conn.execute("UPDATE integrations SET updated_at = ? WHERE id = ?", (ctx.now_ms(), integration_id))
    return iso(int(tokens.expires_at * 1000)) if tokens.expires_at is not None else None

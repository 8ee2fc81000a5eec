"""Access tokens for connectors: refreshed before expiry, one refresh at a time per integration.

Refresh is serialised across threads *and processes* by a lease row (``oauth_refresh_leases``) taken with
``BEGIN IMMEDIATE``: the holder calls the token endpoint (outside any transaction), stores the new tokens and
drops the lease in one write; everyone else waits for the lease to go and then reads the fresh token. A crashed
holder's lease lapses after :data:`LEASE_S`. A rotated refresh token is committed before the new access token
is handed out; a response without one keeps the old refresh token (``oauth.refresh`` does that). A refused
grant (``invalid_grant``) marks the integration ``error`` with "reauthorization required" and stops its work.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from .. import oauth
from ..connectors.base import ProviderError, ReauthorizationRequired
from ..errors import Conflict, Unavailable
from ..sealing import Purpose, unseal
from .context import Ctx

__all__ = ["EXPIRY_SKEW_S", "LEASE_S", "access_token", "mark_reauthorization_required", "refresh_now"]

EXPIRY_SKEW_S = 60.0
"""Refresh this long before the recorded expiry, so a token never expires mid-request."""
LEASE_S = 30.0
_POLL_S = 0.02


@dataclass(frozen=True)
class _Tokens:
    access_sealed: str
    refresh_sealed: str | None
    expires_at_ms: int | None
    auth_error: str | None
    provider: str


def _read(ctx: Ctx, integration_id: int) -> _Tokens:
    with ctx.env.db.snapshot() as conn:
        row = conn.execute(
            "SELECT t.access_token, t.refresh_token, t.expires_at, i.auth_error, i.provider FROM integrations i"
            " LEFT JOIN oauth_tokens t ON t.integration_id = i.id WHERE i.id = ? AND i.account_id = ?",
            (integration_id, ctx.account.id),
        ).fetchone()
    if row is None:
        from ..errors import NotFound

        raise NotFound("integration", integration_id)
    if row[0] is None:
        raise Conflict(
            f"integration {integration_id} has no OAuth tokens; connect it through the OAuth flow",
            code="not_connected",
        )
    return _Tokens(row[0], row[1], row[2], row[3], row[4])


def _fresh(ctx: Ctx, tokens: _Tokens) -> bool:
    return tokens.expires_at_ms is None or tokens.expires_at_ms / 1000 > ctx.rt.clock.now() + EXPIRY_SKEW_S


def _acquire(ctx: Ctx, integration_id: int, holder: str) -> bool:
    with ctx.env.db.write() as conn:  # BEGIN IMMEDIATE: one process at a time decides
        row = conn.execute(
            "SELECT holder, expires_at FROM oauth_refresh_leases WHERE integration_id = ?", (integration_id,)
        ).fetchone()
        if row is not None and row[1] > time.time():
            return False
        conn.execute(
            "INSERT INTO oauth_refresh_leases (integration_id, holder, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (integration_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            (integration_id, holder, time.time() + LEASE_S),
        )
        return True


def _release(ctx: Ctx, integration_id: int, holder: str) -> None:
    with ctx.env.db.write() as conn:
        conn.execute(
            "DELETE FROM oauth_refresh_leases WHERE integration_id = ? AND holder = ?", (integration_id, holder)
        )


def mark_reauthorization_required(ctx: Ctx, integration_id: int, reason: str) -> None:
    with ctx.env.db.write() as conn:
        conn.execute(
            "UPDATE integrations SET auth_error = ?, sync_status = 'error', updated_at = ? WHERE id = ?",
            (reason, ctx.now_ms(), integration_id),
        )


def _unseal_access(ctx: Ctx, integration_id: int, tokens: _Tokens) -> str:
    return unseal(ctx.keyring, ctx.env.name, Purpose.OAUTH_ACCESS, integration_id, tokens.access_sealed)


def access_token(ctx: Ctx, integration_id: int, *, stale: str | None = None) -> str:
    """A usable access token. ``stale`` is one the provider just refused (401): refresh unless another caller
    already replaced it."""
    deadline = time.monotonic() + LEASE_S + 5
    holder = uuid.uuid4().hex
    while True:
        tokens = _read(ctx, integration_id)
        if tokens.auth_error:
            raise ReauthorizationRequired(integration_id, tokens.auth_error)
        current = _unseal_access(ctx, integration_id, tokens)
        if _fresh(ctx, tokens) and (stale is None or current != stale):
            return current
        if tokens.refresh_sealed is None:
            if stale is None and tokens.expires_at_ms is None:
                return current
            reason = "the access token expired and the provider gave no refresh token"
            mark_reauthorization_required(ctx, integration_id, reason)
            raise ReauthorizationRequired(integration_id, reason)
        if not _acquire(ctx, integration_id, holder):
            if time.monotonic() > deadline:
                raise Unavailable(f"integration {integration_id}: token refresh still in progress", retry_after=1)
            time.sleep(_POLL_S)
            continue
        try:
            again = _read(ctx, integration_id)
            if again.access_sealed != tokens.access_sealed:
                continue  # refreshed by someone else between our read and the lease: use theirs
            return _refresh_holding_lease(ctx, integration_id, again)
        finally:
            _release(ctx, integration_id, holder)


def _refresh_holding_lease(ctx: Ctx, integration_id: int, tokens: _Tokens) -> str:
    from .oauth_flow import _config, _store_tokens

    assert tokens.refresh_sealed is not None
    config = _config(ctx, tokens.provider)
    current = unseal(ctx.keyring, ctx.env.name, Purpose.OAUTH_REFRESH, integration_id, tokens.refresh_sealed)
    try:
        fresh = oauth.refresh(config, refresh_token=current, http=ctx.rt.http(), now=ctx.rt.clock.now())
    except oauth.OAuthError as exc:
        if exc.code in ("invalid_grant", "invalid_refresh_token", "token_revoked", "token_expired"):
            reason = f"reauthorization required: the provider refused the refresh token ({exc.code})"
            mark_reauthorization_required(ctx, integration_id, reason)
            raise ReauthorizationRequired(integration_id, reason) from None
        raise ProviderError(tokens.provider, exc.message, provider_error=exc.code, code="oauth_error") from None
    with ctx.env.db.write() as conn:  # the rotated refresh token is durable before the access token is used
        _store_tokens(ctx, conn, integration_id, fresh)
        conn.execute("UPDATE integrations SET updated_at = ? WHERE id = ?", (ctx.now_ms(), integration_id))
    return fresh.access_token


def refresh_now(ctx: Ctx, integration_id: int) -> int | None:
    """Force a refresh (the ``/oauth/refresh`` route); returns the new expiry in epoch ms."""
    tokens = _read(ctx, integration_id)
    if tokens.refresh_sealed is None:
        raise Conflict(f"integration {integration_id} has no OAuth refresh token; connect it through authorize")
    access_token(ctx, integration_id, stale=_unseal_access(ctx, integration_id, tokens))
    return _read(ctx, integration_id).expires_at_ms

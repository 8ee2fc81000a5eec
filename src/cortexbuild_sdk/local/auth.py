"""Bearer-key authentication: one indexed query per request; ``last_used_at`` written at most once a minute."""

from __future__ import annotations

import functools
import json

from .http import ApiError
from .services.context import LIVE, Account, Ctx, Environment, Principal, Runtime
from .services.keys import effective_scopes, hash_secret

__all__ = ["LAST_USED_RESOLUTION_MS", "authenticate"]

LAST_USED_RESOLUTION_MS = 60_000
"""``last_used_at`` is refreshed when it is older than this, so busy keys cost no write per request."""

_QUERY = (
    "SELECT k.id, k.account_id, k.scopes, k.sandbox_id, k.is_active, k.expires_at, k.last_used_at,"
    " a.user_id, a.company_id, a.company_name, a.tier, a.owner_key_id, s.id AS sid, s.config AS sconfig,"
    " s.is_active AS sactive FROM api_keys k JOIN accounts a ON a.id = k.account_id"
    " LEFT JOIN sandbox_environments s ON s.id = k.sandbox_id WHERE k.key_hash = ?"
)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"www-authenticate": 'Bearer realm="cortexbuild"'})


@functools.lru_cache(maxsize=256)
def _scopes(text: str) -> frozenset[str]:
    return effective_scopes(json.loads(text))


@functools.lru_cache(maxsize=256)
def _config(text: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(text)
    return loaded


def authenticate(rt: Runtime, authorization: str | None) -> Ctx:
    if not authorization:
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("malformed Authorization header: expected 'Bearer <key>'")
    now = rt.now_ms()
    with rt.db.read() as conn:
        row = conn.execute(_QUERY, (hash_secret(token),)).fetchone()
    if row is None:
        raise _unauthorized("invalid API key")
    if not row["is_active"]:
        raise _unauthorized("this API key has been revoked")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise _unauthorized("this API key has expired")
    sandbox_id = row["sandbox_id"]
    if sandbox_id is not None and row["sid"] is None:
        raise _unauthorized("this sandbox key's sandbox has been deleted")
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_RESOLUTION_MS:
        with rt.db.write() as conn:
            conn.execute(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                (now, row["id"], now),
            )
    account = Account(
        row["account_id"], row["user_id"], row["company_id"], row["company_name"], row["tier"], row["owner_key_id"]
    )
    principal = Principal(row["id"], _scopes(row["scopes"]), sandbox_id)
    if sandbox_id is None:
        env = Environment(LIVE, rt.db)
    else:
        if not row["sactive"]:
            raise ApiError(
                403, "sandbox_inactive", f"sandbox {sandbox_id} is deactivated; re-activate it to use its key"
            )
        env = Environment(
            rt.sandboxes.environment(sandbox_id), rt.sandboxes.open(sandbox_id), sandbox_id, _config(row["sconfig"])
        )
    return Ctx(rt, account, principal, env)

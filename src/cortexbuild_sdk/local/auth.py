"""Bearer-key authentication: ``last_used_at`` written at most once a minute; lookups memoised exactly.

The key row (joined with its account and sandbox) is memoised per connection, keyed on the SHA-256 of the
secret, and trusted only while the connection's :meth:`~..store.LocalConnection.data_stamp` is unchanged:
any commit to the file - by this connection, another thread or another process - drops every memoised row
before the next lookup, so revocation, roll, scope, tier, expiry and sandbox changes are seen by the very next
request. Expiry against the clock is checked on every request from the (exact) memoised ``expires_at``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

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
_MEMO = "auth"  # this module's slot in LocalConnection.memo
_MEMO_MAX = 1024  # distinct keys remembered per connection; beyond that the memo starts over


class _Key:
    """One key row as authentication needs it, with the request-independent objects built once."""

    __slots__ = (
        "account",
        "expires_at",
        "is_active",
        "last_used_at",
        "live",
        "principal",
        "sactive",
        "sandbox_gone",
        "sconfig",
    )

    def __init__(self, rt: Runtime, row: Any) -> None:
        self.account = Account(
            row["account_id"], row["user_id"], row["company_id"], row["company_name"], row["tier"], row["owner_key_id"]
        )
        sandbox_id = row["sandbox_id"]
        self.principal = Principal(row["id"], _scopes(row["scopes"]), sandbox_id)
        self.is_active: bool = bool(row["is_active"])
        self.expires_at: int | None = row["expires_at"]
        self.last_used_at: int | None = row["last_used_at"]
        self.sandbox_gone = sandbox_id is not None and row["sid"] is None
        self.sactive: bool = bool(row["sactive"])
        # A live key's whole context is request-independent; a sandbox's Database is looked up per request
        # (a deleted sandbox closes it), so only live keys keep a ready Ctx.
        self.live: Ctx | None = None
        self.sconfig: dict[str, object] = {}
        if sandbox_id is None:
            self.live = Ctx(rt, self.account, self.principal, Environment(LIVE, rt.db))
        elif row["sconfig"] is not None:
            self.sconfig = _config(row["sconfig"])


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"www-authenticate": 'Bearer realm="cortexbuild"'})


@functools.lru_cache(maxsize=256)
def _scopes(text: str) -> frozenset[str]:
    return effective_scopes(json.loads(text))


@functools.lru_cache(maxsize=256)
def _config(text: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(text)
    return loaded


def _lookup(rt: Runtime, key_hash: str) -> _Key | None:
    conn = rt.db.connection()
    if conn.in_transaction:  # never memoise what an open transaction may still roll back
        row = conn.execute(_QUERY, (key_hash,)).fetchone()
        return None if row is None else _Key(rt, row)
    stamp = conn.data_stamp()  # first: see LocalConnection.data_stamp
    memo: tuple[tuple[int, int], dict[str, _Key]] | None = conn.memo.get(_MEMO)
    if memo is not None and memo[0] == stamp:
        keys = memo[1]
        hit = keys.get(key_hash)
        if hit is not None:
            return hit
    else:
        keys = {}
        conn.memo[_MEMO] = (stamp, keys)
    row = conn.execute(_QUERY, (key_hash,)).fetchone()
    if row is None:
        return None  # unknown keys are not remembered: nothing to grow the memo with
    key = _Key(rt, row)
    if len(keys) >= _MEMO_MAX:
        keys.clear()
    keys[key_hash] = key
    return key


def authenticate(rt: Runtime, authorization: str | None) -> Ctx:
    if not authorization:
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("malformed Authorization header: expected 'Bearer <key>'")
    if not token.isascii():  # keys are ASCII; anything else (even text UTF-8 cannot encode) is no key
        raise _unauthorized("invalid API key")
    now = rt.now_ms()
    key = _lookup(rt, hash_secret(token))
    if key is None:
        raise _unauthorized("invalid API key")
    if not key.is_active:
        raise _unauthorized("this API key has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise _unauthorized("this API key has expired")
    if key.sandbox_gone:
        raise _unauthorized("this sandbox key's sandbox has been deleted")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION_MS:
        with rt.db.write() as conn:  # this commit changes the stamp, so the memo re-reads the new value
            conn.execute(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                (now, key.principal.key_id, now),
            )
    if key.live is not None and key.live.rt is rt:
        return key.live
    sandbox_id = key.principal.sandbox_id
    if sandbox_id is None:
        return Ctx(rt, key.account, key.principal, Environment(LIVE, rt.db))
    if not key.sactive:
        raise ApiError(403, "sandbox_inactive", f"sandbox {sandbox_id} is deactivated; re-activate it to use its key")
    env = Environment(rt.sandboxes.environment(sandbox_id), rt.sandboxes.open(sandbox_id), sandbox_id, key.sconfig)
    return Ctx(rt, key.account, key.principal, env)

"""API keys: ``cbk_live_``/``cbk_test_`` secrets of 32 random bytes; only a SHA-256 hash and a prefix are stored.

Scopes are ``<area>:read`` / ``<area>:write`` (write implies read). A key can only grant, edit, roll or revoke
keys whose scopes it holds itself, so no key can mint a stronger one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable
from typing import Any

from ..http import ApiError, iso
from .common import ALL, Page, conflict, dumps, fetch_owned, paginate, update_columns
from .context import Ctx

__all__ = [
    "ALL_SCOPES",
    "SANDBOX_SCOPES",
    "effective_scopes",
    "hash_secret",
    "insert_key",
    "new_secret",
]

AREAS = ("integrations", "webhooks", "keys", "sandboxes", "usage", "marketplace", "documents")
ALL_SCOPES: tuple[str, ...] = tuple(f"{a}:{m}" for a in AREAS for m in ("read", "write"))
SANDBOX_SCOPES: tuple[str, ...] = tuple(
    s for s in ALL_SCOPES if not s.startswith(("keys:", "sandboxes:"))
)  # a sandbox key never manages keys or sandboxes
LIVE_PREFIX, TEST_PREFIX = "cbk_live_", "cbk_test_"
_VISIBLE = 8  # random characters kept in key_prefix so users can tell keys apart


def new_secret(*, sandbox: bool) -> str:
    return (TEST_PREFIX if sandbox else LIVE_PREFIX) + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _prefix(secret: str) -> str:
    return secret[: len(LIVE_PREFIX) + _VISIBLE]


def effective_scopes(scopes: Iterable[str]) -> frozenset[str]:
    out = set(scopes)
    out.update(s[: -len("write")] + "read" for s in list(out) if s.endswith(":write"))
    return frozenset(out)


def _require_scopes(ctx: Ctx, wanted: Iterable[str]) -> None:
    missing = sorted(set(wanted) - ctx.principal.scopes)
    if missing:
        raise ApiError(
            403,
            "insufficient_scope",
            f"this key cannot grant or manage scopes it does not hold: {', '.join(missing)}",
            details={"missing_scopes": missing},
        )


def insert_key(
    conn: sqlite3.Connection,
    *,
    account_id: int,
    user_id: str,
    name: str,
    scopes: Iterable[str],
    now: int,
    sandbox_id: int | None = None,
    expires_at: int | None = None,
) -> tuple[int, str]:
    secret = new_secret(sandbox=sandbox_id is not None)
    cur = conn.execute(
        "INSERT INTO api_keys (account_id, user_id, sandbox_id, name, key_hash, key_prefix, scopes,"
        " expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account_id,
            user_id,
            sandbox_id,
            name,
            hash_secret(secret),
            _prefix(secret),
            dumps(list(scopes)),
            expires_at,
            now,
            now,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid, secret


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "name": row["name"],
        "key_prefix": row["key_prefix"],
        "scopes": json.loads(row["scopes"]),
        "is_active": bool(row["is_active"]),
        "sandbox_id": row["sandbox_id"],
        "last_used_at": iso(row["last_used_at"]),
        "expires_at": iso(row["expires_at"]),
        "revoked_at": iso(row["revoked_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def create(ctx: Ctx, *, name: str, scopes: list[str], expires_at: int | None) -> tuple[dict[str, Any], str]:
    _require_scopes(ctx, scopes)
    with ctx.rt.db.write() as conn:
        key_id, secret = insert_key(
            conn,
            account_id=ctx.account.id,
            user_id=ctx.account.user_id,
            name=name,
            scopes=scopes,
            now=ctx.now_ms(),
            expires_at=expires_at,
        )
        row = fetch_owned(conn, "api_keys", "API key", key_id, ctx.account.id)
    return render(row), secret


def list_keys(ctx: Ctx, page: Page = ALL) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.rt.db.read() as conn:
        rows, nxt = paginate(conn, "SELECT * FROM api_keys WHERE account_id = ?", (ctx.account.id,), page)
    return [render(r) for r in rows], nxt


def retrieve(ctx: Ctx, key_id: int) -> dict[str, Any]:
    with ctx.rt.db.read() as conn:
        return render(fetch_owned(conn, "api_keys", "API key", key_id, ctx.account.id))


def _managed(ctx: Ctx, conn: sqlite3.Connection, key_id: int) -> sqlite3.Row:
    row = fetch_owned(conn, "api_keys", "API key", key_id, ctx.account.id)
    _require_scopes(ctx, json.loads(row["scopes"]))
    return row


def update(ctx: Ctx, key_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    with ctx.rt.db.write() as conn:
        row = _managed(ctx, conn, key_id)
        if "scopes" in changes:
            if key_id == ctx.account.owner_key_id:
                raise conflict("the owner key always holds every scope; create another key instead")
            allowed = ALL_SCOPES if row["sandbox_id"] is None else SANDBOX_SCOPES
            bad = sorted(set(changes["scopes"]) - set(allowed))
            if bad:
                raise ApiError(400, "validation_error", f"scopes not allowed for this key: {', '.join(bad)}")
            _require_scopes(ctx, changes["scopes"])
        sets = {k: (dumps(v) if k == "scopes" else v) for k, v in changes.items()}
        sets["updated_at"] = ctx.now_ms()
        update_columns(conn, "api_keys", key_id, sets)
        return render(fetch_owned(conn, "api_keys", "API key", key_id, ctx.account.id))


def revoke(ctx: Ctx, key_id: int) -> None:
    with ctx.rt.db.write() as conn:
        _managed(ctx, conn, key_id)
        if key_id == ctx.account.owner_key_id:
            raise conflict("the owner key cannot be revoked (the local client uses it); roll it instead")
        now = ctx.now_ms()
        conn.execute(
            "UPDATE api_keys SET is_active = 0, revoked_at = COALESCE(revoked_at, ?), updated_at = ? WHERE id = ?",
            (now, now, key_id),
        )


def roll(ctx: Ctx, key_id: int) -> tuple[dict[str, Any], str]:
    """A new secret for the same key id; the old secret stops working at once."""
    from .accounts import store_owner_secret  # the owner's sealed copy must follow the roll

    with ctx.rt.db.write() as conn:
        row = _managed(ctx, conn, key_id)
        if not row["is_active"]:
            raise conflict(f"API key {key_id} is revoked; create a new key instead")
        secret = new_secret(sandbox=row["sandbox_id"] is not None)
        conn.execute(
            "UPDATE api_keys SET key_hash = ?, key_prefix = ?, updated_at = ? WHERE id = ?",
            (hash_secret(secret), _prefix(secret), ctx.now_ms(), key_id),
        )
        if key_id == ctx.account.owner_key_id:
            store_owner_secret(conn, ctx.rt.keyring, ctx.account.id, key_id, secret)
        return render(fetch_owned(conn, "api_keys", "API key", key_id, ctx.account.id)), secret

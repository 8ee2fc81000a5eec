"""Sandboxes: each one its own SQLite file with sample data, its own encryption environment and a test key."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..http import iso
from ..sample_data import seed_sample_data
from ..sample_documents import seed_sample_documents
from . import plans
from .common import Page, dumps, fetch_owned, paginate, update_columns
from .context import Ctx
from .keys import SANDBOX_SCOPES, insert_key

__all__ = ["DEFAULT_CONFIG", "create", "delete", "list_sandboxes", "reset", "retrieve", "update"]

DEFAULT_CONFIG: dict[str, bool] = {"sampleDataEnabled": True, "webhooksEnabled": True, "integrationsEnabled": True}


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "name": row["name"],
        "description": row["description"],
        "config": json.loads(row["config"]),
        "is_active": bool(row["is_active"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _get(ctx: Ctx, conn: sqlite3.Connection, sandbox_id: int) -> sqlite3.Row:
    return fetch_owned(conn, "sandbox_environments", "sandbox", sandbox_id, ctx.account.id)


def create(ctx: Ctx, *, name: str, description: str | None, config: dict[str, bool]) -> tuple[dict[str, Any], str]:
    """Register the sandbox and its key, then build its database; undo the registration if that fails."""
    full = {**DEFAULT_CONFIG, **config}
    now = ctx.now_ms()
    acct = ctx.account
    with ctx.rt.db.write() as conn:
        plans.check(ctx, conn, "sandboxes")
        cur = conn.execute(
            "INSERT INTO sandbox_environments (account_id, user_id, name, description, config, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (acct.id, acct.user_id, name, description, dumps(full), now, now),
        )
        sandbox_id = cur.lastrowid
        assert sandbox_id is not None
        _, secret = insert_key(
            conn,
            account_id=acct.id,
            user_id=acct.user_id,
            name=f"Sandbox key: {name}",
            scopes=SANDBOX_SCOPES,
            now=now,
            sandbox_id=sandbox_id,
        )
        row = _get(ctx, conn, sandbox_id)

    def seeder(db_conn: sqlite3.Connection) -> None:
        seed_sample_data(db_conn, account=acct, now_ms=now)
        project_ids = [r[0] for r in db_conn.execute("SELECT id FROM projects ORDER BY id LIMIT 3")]
        seed_sample_documents(
            db_conn,
            account_id=acct.id,
            company_id=acct.company_id,
            company_name=acct.company_name,
            project_ids=project_ids,
            now_ms=now,
        )

    try:
        ctx.rt.sandboxes.create(sandbox_id, seeder if full["sampleDataEnabled"] else None)
    except BaseException:
        _forget(ctx, sandbox_id)
        raise
    return render(row), secret


def list_sandboxes(ctx: Ctx, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.rt.db.read() as conn:
        rows, nxt = paginate(conn, "SELECT * FROM sandbox_environments WHERE account_id = ?", (ctx.account.id,), page)
    return [render(r) for r in rows], nxt


def retrieve(ctx: Ctx, sandbox_id: int) -> dict[str, Any]:
    with ctx.rt.db.read() as conn:
        return render(_get(ctx, conn, sandbox_id))


def update(ctx: Ctx, sandbox_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    with ctx.rt.db.write() as conn:
        row = _get(ctx, conn, sandbox_id)
        sets: dict[str, Any] = {k: changes[k] for k in ("name", "description") if k in changes}
        if "config" in changes:
            sets["config"] = dumps({**json.loads(row["config"]), **changes["config"]})
        if "is_active" in changes:
            if changes["is_active"] and not row["is_active"]:
                plans.check(ctx, conn, "sandboxes")
            sets["is_active"] = int(bool(changes["is_active"]))
        sets["updated_at"] = ctx.now_ms()
        update_columns(conn, "sandbox_environments", sandbox_id, sets)
        out = render(_get(ctx, conn, sandbox_id))
    hub = ctx.rt.delivery
    if hub is not None and "config" in changes:
        hub.invalidate_flags(sandbox_id)  # webhooksEnabled takes effect on the next attempt
    return out


def reset(ctx: Ctx, sandbox_id: int) -> dict[str, Any]:
    """Restore the sandbox database to its state at creation (sample data included)."""
    with ctx.rt.db.read() as conn:
        _get(ctx, conn, sandbox_id)
    ctx.rt.sandboxes.reset(sandbox_id)
    with ctx.rt.db.write() as conn:
        conn.execute("UPDATE sandbox_environments SET updated_at = ? WHERE id = ?", (ctx.now_ms(), sandbox_id))
        return render(_get(ctx, conn, sandbox_id))


def _forget(ctx: Ctx, sandbox_id: int) -> None:
    now = ctx.now_ms()
    with ctx.rt.db.write() as conn:
        conn.execute(
            "UPDATE api_keys SET is_active = 0, revoked_at = COALESCE(revoked_at, ?), updated_at = ?"
            " WHERE sandbox_id = ?",
            (now, now, sandbox_id),
        )
        conn.execute("DELETE FROM sandbox_environments WHERE id = ?", (sandbox_id,))


def delete(ctx: Ctx, sandbox_id: int) -> None:
    """Revoke the sandbox's keys, forget it, and remove its files."""
    with ctx.rt.db.read() as conn:
        _get(ctx, conn, sandbox_id)
    _forget(ctx, sandbox_id)
    hub = ctx.rt.delivery
    if hub is not None:
        hub.discard_sandbox(sandbox_id)  # stop its dispatcher before its database goes
    ctx.rt.sandboxes.delete(sandbox_id)

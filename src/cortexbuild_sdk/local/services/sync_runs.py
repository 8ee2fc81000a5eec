"""Sync runs: queued by the route, run on the backend's connector worker, recorded with what they did.

Integration ``sync_status`` goes idle -> syncing -> success | error; the run goes queued -> running -> success |
error with counts ``{created, updated, skipped, failed}``. One run at a time per integration (a second start
answers 409; a run orphaned by a dead process is closed as interrupted after :data:`STALE_AFTER_MS`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from ..connectors.base import NotSent
from ..connectors.spec import SyncCounts
from ..errors import Conflict, DomainError, Unavailable
from ..http import iso
from .common import Page, dumps, paginate
from .connections import open_session
from .context import Ctx
from .integrations import _get

__all__ = ["list_runs", "render", "retrieve", "start"]

_log = logging.getLogger("cortexbuild_sdk.local.connectors")

STALE_AFTER_MS = 30 * 60 * 1000
"""A run unfinished this long was orphaned by a process that died mid-sync: the next start closes it."""


def _close_stale(ctx: Ctx, conn: sqlite3.Connection, integration_id: int) -> bool:
    """Close the integration's runs older than :data:`STALE_AFTER_MS` as interrupted; True if none is left."""
    now = ctx.now_ms()
    conn.execute(
        "UPDATE integration_sync_runs SET status = 'error', finished_at = ?,"
        " error = 'interrupted: the process running it stopped before it finished'"
        " WHERE integration_id = ? AND status = 'syncing' AND started_at < ?",
        (now, integration_id, now - STALE_AFTER_MS),
    )
    left = conn.execute(
        "SELECT 1 FROM integration_sync_runs WHERE integration_id = ? AND status = 'syncing'", (integration_id,)
    ).fetchone()
    return left is None


_ZERO = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}


def render(row: sqlite3.Row) -> dict[str, Any]:
    status = row["status"]
    if status == "syncing":
        status = "queued" if row["run_started_at"] is None else "running"
    return {
        "id": row["id"],
        "integration_id": row["integration_id"],
        "provider": row["provider"],
        "status": status,
        "queued_at": iso(row["started_at"]),
        "started_at": iso(row["run_started_at"]),
        "finished_at": iso(row["finished_at"]),
        "counts": json.loads(row["counts"]) if row["counts"] else dict(_ZERO),
        "error": row["error"],
    }


def _row(conn: sqlite3.Connection, run_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM integration_sync_runs WHERE id = ?", (run_id,)).fetchone()
    assert isinstance(row, sqlite3.Row)
    return row


def start(ctx: Ctx, integration_id: int) -> dict[str, Any]:
    """Queue a run and hand it to the worker; returns the run as queued."""
    runtime = ctx.rt.connectors
    if runtime is None:
        raise Unavailable("this backend has no connector worker")
    with ctx.env.db.write() as conn:
        row = _get(ctx, conn, integration_id)
        if not row["is_active"]:
            raise Conflict(
                f"integration {integration_id} is inactive; activate it before syncing", code="integration_inactive"
            )
        if row["auth_error"]:
            raise Conflict(
                f"integration {integration_id} needs reauthorization: {row['auth_error']}",
                code="reauthorization_required",
            )
        if row["sync_status"] == "syncing" and not _close_stale(ctx, conn, integration_id):
            raise Conflict(f"integration {integration_id} is already syncing", code="sync_in_progress", retryable=True)
        now = ctx.now_ms()
        cur = conn.execute(
            "INSERT INTO integration_sync_runs (integration_id, account_id, provider, status, started_at)"
            " VALUES (?, ?, ?, 'syncing', ?)",
            (integration_id, ctx.account.id, row["provider"], now),
        )
        run_id = cur.lastrowid
        assert run_id is not None
        conn.execute(
            "UPDATE integrations SET sync_status = 'syncing', updated_at = ? WHERE id = ?", (now, integration_id)
        )
        queued = render(_row(conn, run_id))
    try:
        runtime.submit(lambda: _execute(ctx, integration_id, run_id))
    except RuntimeError as exc:
        _finish(ctx, integration_id, run_id, SyncCounts(), f"not started: {exc}")
        raise Unavailable(f"sync not started: {exc}") from None
    return queued


def _execute(ctx: Ctx, integration_id: int, run_id: int) -> None:
    counts = SyncCounts()
    error: str | None = None
    try:
        with ctx.env.db.write() as conn:
            conn.execute("UPDATE integration_sync_runs SET run_started_at = ? WHERE id = ?", (ctx.now_ms(), run_id))
        session = open_session(ctx, integration_id)
        session.connector.sync(session, counts)
        if counts.failed:
            error = f"{counts.failed} object(s) failed: " + "; ".join(counts.problems[:20])
    except NotSent as exc:
        error = f"nothing sent: integrations are disabled in this sandbox ({exc})"
    except DomainError as exc:
        error = exc.message
    except Exception as exc:  # a bug in a connector: recorded on the run, logged with its traceback
        _log.exception("sync run %s of integration %s failed", run_id, integration_id)
        error = f"internal error: {type(exc).__name__}: {exc}"
    _finish(ctx, integration_id, run_id, counts, error)


def _finish(ctx: Ctx, integration_id: int, run_id: int, counts: SyncCounts, error: str | None) -> None:
    status = "error" if error else "success"
    done = ctx.now_ms()
    with ctx.env.db.write() as conn:
        conn.execute(
            "UPDATE integration_sync_runs SET status = ?, error = ?, finished_at = ?, counts = ? WHERE id = ?",
            (status, error, done, dumps(counts.as_dict()), run_id),
        )
        conn.execute(
            "UPDATE integrations SET sync_status = ?, last_sync_at = CASE WHEN ? = 'success' THEN ?"
            " ELSE last_sync_at END, updated_at = ? WHERE id = ?",
            (status, status, done, done, integration_id),
        )
    from . import automations

    automations.kick(ctx, force=True)  # the jobs that waited for this sync (see automations._claim)


def retrieve(ctx: Ctx, integration_id: int, run_id: int) -> dict[str, Any]:
    from ..errors import NotFound

    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, integration_id)
        row = conn.execute(
            "SELECT * FROM integration_sync_runs WHERE id = ? AND integration_id = ?", (run_id, integration_id)
        ).fetchone()
    if row is None:
        raise NotFound("sync run", run_id)
    return render(row)


def list_runs(ctx: Ctx, integration_id: int, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, integration_id)
        rows, nxt = paginate(
            conn, "SELECT * FROM integration_sync_runs WHERE integration_id = ?", (integration_id,), page
        )
    return [render(r) for r in rows], nxt

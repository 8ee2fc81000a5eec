"""Usage: AI request records (counted against the tier's monthly quota) and the seed's three SQL reports."""

from __future__ import annotations

from typing import Any

from ..http import iso
from . import plans
from .common import dumps
from .context import Ctx

__all__ = ["ai_report", "integrations_report", "record_ai_request", "webhooks_report"]

_DAY_MS = 86_400_000


def record_ai_request(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any]:
    acct = ctx.account
    now = ctx.now_ms()
    total = record.get("total_tokens")
    if total is None:
        total = record["prompt_tokens"] + record["completion_tokens"]
    with ctx.env.db.write() as conn:
        plans.check(ctx, conn, "ai_requests_per_month")
        cur = conn.execute(
            "INSERT INTO ai_requests (account_id, user_id, company_id, provider, model, prompt_tokens,"
            " completion_tokens, total_tokens, estimated_cost, metadata, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                acct.id,
                acct.user_id,
                acct.company_id,
                record.get("provider"),
                record["model"],
                record["prompt_tokens"],
                record["completion_tokens"],
                total,
                record["estimated_cost"],
                dumps(record.get("metadata") or {}),
                now,
            ),
        )
        row = conn.execute("SELECT * FROM ai_requests WHERE id = ?", (cur.lastrowid,)).fetchone()
    out = {k: row[k] for k in row.keys() if k not in ("account_id", "metadata")}  # noqa: SIM118 (sqlite3.Row)
    out["metadata"] = record.get("metadata") or {}
    out["created_at"] = iso(row["created_at"])
    return out


def ai_report(ctx: Ctx, days: int) -> list[dict[str, Any]]:
    """The seed's per-day report over the last ``days`` days (UTC dates, newest first)."""
    since = ctx.now_ms() - days * _DAY_MS
    with ctx.env.db.read() as conn:
        rows = conn.execute(
            "SELECT DATE(created_at / 1000, 'unixepoch') AS date, COUNT(*) AS requests,"
            " SUM(total_tokens) AS tokens, ROUND(SUM(estimated_cost), 6) AS cost FROM ai_requests"
            " WHERE account_id = ? AND created_at >= ? GROUP BY date ORDER BY date DESC",
            (ctx.account.id, since),
        ).fetchall()
    return [dict(r) for r in rows]


def integrations_report(ctx: Ctx) -> list[dict[str, Any]]:
    """The seed's report per provider (``syncs`` = integrations, as in the seed) plus recorded sync runs."""
    with ctx.env.db.read() as conn:
        rows = conn.execute(
            "SELECT provider, COUNT(*) AS syncs, MAX(last_sync_at) AS last_sync,"
            " AVG(CASE WHEN sync_status = 'success' THEN 1 ELSE 0 END) AS success_rate,"
            " (SELECT COUNT(*) FROM integration_sync_runs r WHERE r.account_id = i.account_id"
            "  AND r.provider = i.provider) AS sync_runs"
            " FROM integrations i WHERE account_id = ? GROUP BY provider ORDER BY provider",
            (ctx.account.id,),
        ).fetchall()
    return [{**dict(r), "last_sync": iso(r["last_sync"])} for r in rows]


def webhooks_report(ctx: Ctx) -> list[dict[str, Any]]:
    """The seed's delivery stats; ``success_rate`` is null before the first delivery (the seed divides by 0)."""
    with ctx.env.db.read() as conn:
        rows = conn.execute(
            "SELECT id, name, success_count, failure_count,"
            " ROUND(success_count * 100.0 / NULLIF(success_count + failure_count, 0), 2) AS success_rate"
            " FROM webhooks WHERE account_id = ? ORDER BY (success_count + failure_count) DESC, id",
            (ctx.account.id,),
        ).fetchall()
    return [dict(r) for r in rows]

"""The per-integration log of provider requests: what connectors sent (or would have sent), and the answer."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..connectors.base import Exchange
from ..http import iso
from .common import Page, paginate
from .context import Ctx
from .integrations import _get

__all__ = ["KEEP_PER_INTEGRATION", "list_requests", "record", "render"]

KEEP_PER_INTEGRATION = 1000
"""The log keeps each integration's latest requests; older ones are pruned every 100 inserts (by index)."""


def record(ctx: Ctx, integration_id: int, provider: str, exchange: Exchange) -> int:
    """Append one attempt (its own short write: never inside a transaction that waits on the network)."""
    with ctx.env.db.write() as conn:
        cur = conn.execute(
            "INSERT INTO provider_requests (integration_id, account_id, provider, method, url, status, duration_ms,"
            " sent, error, request_body, response_body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                integration_id,
                ctx.account.id,
                provider,
                exchange.method,
                exchange.url,
                exchange.status,
                exchange.duration_ms,
                int(exchange.sent),
                exchange.error,
                exchange.request_body,
                exchange.response_body,
                ctx.now_ms(),
            ),
        )
        assert cur.lastrowid is not None
        if cur.lastrowid % 100 == 0:
            conn.execute(
                "DELETE FROM provider_requests WHERE integration_id = ? AND id <= (SELECT id FROM provider_requests"
                " WHERE integration_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (integration_id, integration_id, KEEP_PER_INTEGRATION),
            )
        return cur.lastrowid


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "integration_id": row["integration_id"],
        "provider": row["provider"],
        "method": row["method"],
        "url": row["url"],
        "status": row["status"],
        "duration_ms": row["duration_ms"],
        "sent": bool(row["sent"]),
        "error": row["error"],
        "request_body": row["request_body"],
        "response_body": row["response_body"],
        "created_at": iso(row["created_at"]),
    }


def list_requests(ctx: Ctx, integration_id: int, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, integration_id)
        rows, nxt = paginate(conn, "SELECT * FROM provider_requests WHERE integration_id = ?", (integration_id,), page)
    return [render(r) for r in rows], nxt

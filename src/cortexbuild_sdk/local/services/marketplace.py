"""Marketplace: the seeded module catalogue and reviews (1-5, one per user per module; a second updates it).

Anyone may browse; posting a review needs a tier with marketplace access (Starter and up, as the seed says)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import NotFound
from ..http import iso
from .context import Ctx
from .plans import require_marketplace

__all__ = ["add_review", "list_modules", "reviews"]

_MODULES = (
    "SELECT m.*, COUNT(r.id) AS review_count, ROUND(AVG(r.rating), 2) AS average_rating"
    " FROM marketplace_modules m LEFT JOIN module_reviews r ON r.module_id = m.id"
)


def _module(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["created_at"] = iso(row["created_at"])
    return out


def _review(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "module_id": row["module_id"],
        "user_id": row["user_id"],
        "rating": row["rating"],
        "review": row["review"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def list_modules(ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.env.db.read() as conn:
        rows = conn.execute(f"{_MODULES} GROUP BY m.id ORDER BY m.id").fetchall()
    return [_module(r) for r in rows]


def _check_module(conn: sqlite3.Connection, module_id: int) -> None:
    if conn.execute("SELECT 1 FROM marketplace_modules WHERE id = ?", (module_id,)).fetchone() is None:
        raise NotFound("module", module_id)


def reviews(ctx: Ctx, module_id: int) -> dict[str, Any]:
    with ctx.env.db.snapshot() as conn:
        _check_module(conn, module_id)
        rows = conn.execute(
            "SELECT * FROM module_reviews WHERE module_id = ? ORDER BY updated_at DESC, id DESC", (module_id,)
        ).fetchall()
        avg, count = conn.execute(
            "SELECT ROUND(AVG(rating), 2), COUNT(*) FROM module_reviews WHERE module_id = ?", (module_id,)
        ).fetchone()
    return {"reviews": [_review(r) for r in rows], "average_rating": avg, "count": count}


def add_review(ctx: Ctx, module_id: int, *, rating: int, review: str | None) -> dict[str, Any]:
    now = ctx.now_ms()
    with ctx.env.db.write() as conn:
        _check_module(conn, module_id)
        require_marketplace(ctx, "posting a marketplace review")
        conn.execute(
            "INSERT INTO module_reviews (module_id, account_id, user_id, rating, review, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (module_id, user_id) DO UPDATE SET"
            " rating = excluded.rating, review = excluded.review, updated_at = excluded.updated_at",
            (module_id, ctx.account.id, ctx.account.user_id, rating, review, now, now),
        )
        row = conn.execute(
            "SELECT * FROM module_reviews WHERE module_id = ? AND user_id = ?", (module_id, ctx.account.user_id)
        ).fetchone()
    return _review(row)

"""The seed's tier table and its enforcement (checked inside the write that would exceed a limit)."""

from __future__ import annotations

import calendar
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from ..errors import LimitExceeded
from .context import Ctx

__all__ = ["TIERS", "Limits", "check", "month_start_ms", "plan", "usage_counts"]


@dataclass(frozen=True)
class Limits:
    """None means unlimited."""

    ai_requests_per_month: int | None
    active_integrations: int | None
    webhooks: int | None
    sandboxes: int | None


TIERS: dict[str, Limits] = {
    "free": Limits(10, 3, 5, 1),
    "starter": Limits(100, 10, 20, 3),
    "pro": Limits(1000, None, None, 10),
    "enterprise": Limits(None, None, None, None),
}

_LABELS = {
    "ai_requests_per_month": "AI requests per month",
    "active_integrations": "active integrations",
    "webhooks": "webhooks",
    "sandboxes": "sandboxes",
}


def limits_for(tier: str) -> Limits:
    return TIERS[tier]


def month_start_ms(now_ms: int) -> int:
    """Start of the current calendar month (UTC) in epoch ms: the AI request quota window."""
    t = time.gmtime(now_ms // 1000)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0, 0, 0, 0)) * 1000


def _count(ctx: Ctx, conn: sqlite3.Connection, limit: str) -> int:
    acct = ctx.account.id
    if limit == "ai_requests_per_month":
        sql = "SELECT COUNT(*) FROM ai_requests WHERE account_id = ? AND created_at >= ?"
        return int(conn.execute(sql, (acct, month_start_ms(ctx.now_ms()))).fetchone()[0])
    if limit == "active_integrations":
        sql = "SELECT COUNT(*) FROM integrations WHERE account_id = ? AND is_active = 1"
    elif limit == "webhooks":
        sql = "SELECT COUNT(*) FROM webhooks WHERE account_id = ?"
    else:
        sql = "SELECT COUNT(*) FROM sandbox_environments WHERE account_id = ? AND is_active = 1"
    return int(conn.execute(sql, (acct,)).fetchone()[0])


def check(ctx: Ctx, conn: sqlite3.Connection, limit: str) -> None:
    """LimitExceeded if one more of ``limit`` would exceed the tier (call inside the write)."""
    maximum = getattr(limits_for(ctx.account.tier), limit)
    if maximum is None:
        return
    current = _count(ctx, conn, limit)
    if current >= maximum:
        tier = ctx.account.tier
        raise LimitExceeded(
            f"the {tier} tier allows {maximum} {_LABELS[limit]}; you have {current}. "
            "Upgrade the tier or free one up first.",
            details={"limit": limit, "tier": tier, "max": maximum, "current": current},
        )


def usage_counts(ctx: Ctx) -> dict[str, int]:
    out: dict[str, int] = {}
    with ctx.env.db.snapshot() as conn:
        for limit in ("ai_requests_per_month", "active_integrations", "webhooks"):
            out[limit] = _count(ctx, conn, limit)
    with ctx.rt.db.read() as conn:
        out["sandboxes"] = _count(ctx, conn, "sandboxes")
    return out


def plan(ctx: Ctx) -> dict[str, Any]:
    limits = limits_for(ctx.account.tier)
    return {
        "tier": ctx.account.tier,
        "limits": {name: getattr(limits, name) for name in _LABELS},
        "usage": usage_counts(ctx),
    }

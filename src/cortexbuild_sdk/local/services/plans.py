"""The seed's tier table and its enforcement (checked inside the write that would exceed a limit)."""

from __future__ import annotations

import calendar
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from .. import errors
from ..http import iso
from .context import Ctx

__all__ = [
    "MARKETPLACE_TIERS",
    "TIERS",
    "Limits",
    "check",
    "month_key",
    "month_start_ms",
    "plan",
    "quantity",
    "require_marketplace",
    "usage_counts",
]


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

_LABELS = {  # (one, many)
    "ai_requests_per_month": ("AI request per month", "AI requests per month"),
    "active_integrations": ("active integration", "active integrations"),
    "webhooks": ("webhook", "webhooks"),
    "sandboxes": ("sandbox", "sandboxes"),
}
_ADVICE = {
    "active_integrations": "Deactivate or delete an integration, or upgrade the tier.",
    "webhooks": "Delete a webhook, or upgrade the tier.",
    "sandboxes": "Deactivate or delete a sandbox, or upgrade the tier.",
}
# The counter (usage_counters, kept by triggers in the same transaction as every change) behind each limit.
_METRIC = {
    "ai_requests_per_month": "ai_requests",
    "active_integrations": "active_integrations",
    "webhooks": "webhooks",
    "sandboxes": "sandboxes",
}
MARKETPLACE_TIERS = frozenset({"starter", "pro", "enterprise"})
"""Tiers with marketplace access (the seed's tier table lists it from Starter up)."""


def limits_for(tier: str) -> Limits:
    return TIERS[tier]


def quantity(count: int, limit: str) -> str:
    """``1 sandbox``, ``3 sandboxes``."""
    one, many = _LABELS[limit]
    return f"{count} {one if count == 1 else many}"


def month_start_ms(now_ms: int) -> int:
    """Start of the current calendar month (UTC) in epoch ms: the AI request quota window."""
    t = time.gmtime(now_ms // 1000)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0, 0, 0, 0)) * 1000


def next_month_start_ms(now_ms: int) -> int:
    t = time.gmtime(now_ms // 1000)
    year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0, 0, 0, 0)) * 1000


def month_key(now_ms: int) -> str:
    """The counters' period for the AI quota: the UTC month ``YYYY-MM`` (as the schema's triggers write it)."""
    return time.strftime("%Y-%m", time.gmtime(now_ms // 1000))


def _count(ctx: Ctx, conn: sqlite3.Connection, limit: str) -> int:
    """One primary-key lookup, whatever the number of rows the account holds."""
    period = month_key(ctx.now_ms()) if limit == "ai_requests_per_month" else ""
    row = conn.execute(
        "SELECT value FROM usage_counters WHERE account_id = ? AND metric = ? AND period = ?",
        (ctx.account.id, _METRIC[limit], period),
    ).fetchone()
    return int(row[0]) if row is not None else 0


def check(ctx: Ctx, conn: sqlite3.Connection, limit: str) -> None:
    """LimitExceeded if one more of ``limit`` would exceed the tier (call inside the write)."""
    maximum = getattr(limits_for(ctx.account.tier), limit)
    if maximum is None:
        return
    current = _count(ctx, conn, limit)
    if current >= maximum:
        tier = ctx.account.tier
        details: dict[str, Any] = {"limit": limit, "tier": tier, "max": maximum, "current": current}
        if limit == "ai_requests_per_month":
            resets = next_month_start_ms(ctx.now_ms())
            day = time.strftime("%Y-%m-%d", time.gmtime(resets // 1000))
            advice = f"The count starts over on {day} (UTC): wait until then, or upgrade the tier."
            details["resets_at"] = iso(resets)
        else:
            advice = _ADVICE[limit]
        raise errors.LimitExceeded(
            f"the {tier} tier allows {quantity(maximum, limit)}; you have {current}. {advice}", details=details
        )


def require_marketplace(ctx: Ctx, action: str) -> None:
    """403 ``tier_required`` unless the account's tier includes marketplace access."""
    tier = ctx.account.tier
    if tier not in MARKETPLACE_TIERS:
        raise errors.Forbidden(
            f"{action} needs the Starter tier or higher; this account is on the {tier} tier. Upgrade to Starter "
            "(or above) for marketplace access.",
            code="tier_required",
            details={"tier": tier, "required": "starter"},
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

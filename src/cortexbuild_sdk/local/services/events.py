"""Webhook events from services: written in the caller's transaction, announced after it commits.

A domain change and its event commit together (``publish`` inside the ``db.write()`` block that makes the
change); the delivery engine is woken only after the commit (``announce``), so it never looks for a row
that is not there yet, and a rolled-back change leaves no event behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from ..delivery import outbox
from . import automations
from .context import Ctx

__all__ = ["announce", "emit", "publish"]


def publish(ctx: Ctx, conn: sqlite3.Connection, event: str, data: Mapping[str, Any]) -> str:
    """Record ``event`` for the caller's account in ``conn``'s open write transaction; returns its id.
    Integrations' automations subscribed to it get their jobs in the same transaction."""
    event_id = outbox.emit(
        conn,
        account_id=ctx.account.id,
        company_id=ctx.account.company_id,
        user_id=ctx.account.user_id,
        event=event,
        data=data,
        now_ms=ctx.now_ms(),
    )
    automations.enqueue(ctx, conn, event, data, event_id)
    return event_id


def announce(ctx: Ctx) -> None:
    """Wake the delivery engine of the caller's environment (call after the publishing transaction commits)."""
    if not ctx.rt.background_delivery:
        return  # a one-shot process: deliveries and automation jobs stay queued for `local serve` (or the next backend)
    automations.kick(ctx)
    hub = ctx.rt.delivery
    if hub is not None:
        hub.wake(ctx.env.sandbox_id)


def emit(ctx: Ctx, event: str, data: Mapping[str, Any]) -> str:
    """Publish ``event`` in a transaction of its own and announce it (for events with no other change)."""
    with ctx.env.db.write() as conn:
        event_id = publish(ctx, conn, event, data)
    announce(ctx)
    return event_id

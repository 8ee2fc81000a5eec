"""Time entries: pending -> approved (then locked).

With an ``end_time``: ``duration_minutes`` = whole minutes between start and end (half-up), and - when
billable with an ``hourly_rate`` - ``amount = hourly_rate * duration_minutes / 60``, half-up to the cent.
A non-billable entry's amount is 0. ``user_id`` defaults to the account's user. Events:
``time_entry.created``, ``time_entry.approved`` (with ``previous_status``). Only pending entries can be
edited or deleted.
"""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import Conflict, Invalid
from .context import Ctx
from .domain import (
    ListQuery,
    Resource,
    check_parent,
    check_transition,
    delete_row,
    fetch,
    fetch_rendered,
    insert_row,
    list_page,
    money,
    publish_change,
    render,
    update_row,
)
from .events import announce
from .money import bounded, to_cents

__all__ = ["TIME_ENTRY", "approve", "create", "delete", "list_entries", "retrieve", "stats", "update"]

STATUSES = ("pending", "approved")
TIME_ENTRY = Resource(
    table="time_entries",
    name="time_entry",
    label="time entry",
    fields={
        "user_id": "text",
        "project_id": "int",
        "task_id": "int",
        "description": "text",
        "start_time": "instant",
        "end_time": "instant",
        "duration_minutes": "int",
        "is_billable": "bool",
        "hourly_rate": "money",
        "amount": "money",
        "status": "text",
    },
    search=("description",),
    filters=("project_id", "task_id", "user_id"),
    statuses=STATUSES,
    transitions={"pending": ("approved",), "approved": ()},
)


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    start, end = values["start_time"], values.get("end_time")
    if end is None:
        return {**values, "duration_minutes": None, "amount": None}
    if end <= start:
        raise Invalid(
            "end_time must be after start_time", details=[{"field": "end_time", "message": "not after start_time"}]
        )
    minutes = int((Decimal(end - start) / 60_000).to_integral_value(rounding=ROUND_HALF_UP))
    rate = values.get("hourly_rate")
    amount = 0
    if values.get("is_billable", True) and rate is not None:
        amount = bounded(to_cents(Decimal(rate) * minutes / 60), "amount")
    return {**values, "duration_minutes": minutes, "amount": amount}


def _refs(ctx: Ctx, conn: sqlite3.Connection, project_id: int, task_id: int | None) -> None:
    check_parent(ctx, conn, "projects", "project", "project_id", project_id)
    if task_id is None:
        return
    check_parent(ctx, conn, "tasks", "task", "task_id", task_id)
    owner = conn.execute("SELECT project_id FROM tasks WHERE id = ?", (task_id,)).fetchone()[0]
    if owner != project_id:
        raise Invalid(
            f"task {task_id} belongs to project {owner}, not {project_id}",
            details=[{"field": "task_id", "message": "task of another project"}],
        )


def list_entries(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, TIME_ENTRY, query)


def retrieve(ctx: Ctx, entry_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, TIME_ENTRY, entry_id)


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    values = _derived({"user_id": ctx.account.user_id, "is_billable": True, **values, "status": "pending"})
    with ctx.env.db.write() as conn:
        _refs(ctx, conn, values["project_id"], values.get("task_id"))
        obj = publish_change(ctx, conn, TIME_ENTRY, "created", insert_row(ctx, conn, TIME_ENTRY, values))
    announce(ctx)
    return obj


def _pending(row: sqlite3.Row, doing: str) -> None:
    if row["status"] != "pending":
        raise Conflict(f"time entry {row['id']} is approved: approved entries cannot be {doing}", code="not_editable")


def update(ctx: Ctx, entry_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, TIME_ENTRY, entry_id)
        _pending(row, "edited")
        merged = {k: row[k] for k in ("start_time", "end_time", "hourly_rate", "is_billable", "project_id", "task_id")}
        merged.update(values)
        if "project_id" in values or "task_id" in values:
            _refs(ctx, conn, merged["project_id"], merged["task_id"])
        values = {**values, **{k: v for k, v in _derived(merged).items() if k in ("duration_minutes", "amount")}}
        return render(TIME_ENTRY, update_row(ctx, conn, TIME_ENTRY, entry_id, values))


def approve(ctx: Ctx, entry_id: int) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, TIME_ENTRY, entry_id)
        check_transition(TIME_ENTRY, row, "approved", action="approve")
        done = update_row(ctx, conn, TIME_ENTRY, entry_id, {"status": "approved"})
        obj = publish_change(ctx, conn, TIME_ENTRY, "approved", done, previous_status=row["status"])
    announce(ctx)
    return obj


def delete(ctx: Ctx, entry_id: int) -> None:
    with ctx.env.db.write() as conn:
        _pending(fetch(ctx, conn, TIME_ENTRY, entry_id), "deleted")
        delete_row(ctx, conn, TIME_ENTRY, entry_id)


def stats(ctx: Ctx, filters: dict[str, Any]) -> dict[str, Any]:
    """Totals over the account's entries (optionally one project / user / status): O(matching rows)."""
    where = ["account_id = ?"] + [f"{name} = ?" for name in filters]
    args = [ctx.account.id, *filters.values()]
    with ctx.env.db.read() as conn:
        row = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(duration_minutes), 0),"
            " COALESCE(SUM(CASE WHEN is_billable = 1 THEN duration_minutes END), 0), COALESCE(SUM(amount), 0),"
            " COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'approved'), 0)"
            f" FROM time_entries WHERE {' AND '.join(where)}",
            args,
        ).fetchone()
    entries, minutes, billable, amount, pending, approved = (int(v) for v in row)
    return {
        "total_entries": entries,
        "total_minutes": minutes,
        "total_hours": round(minutes / 60, 2),
        "billable_minutes": billable,
        "billable_hours": round(billable / 60, 2),
        "total_amount": money(amount),
        "pending_entries": pending,
        "approved_entries": approved,
    }

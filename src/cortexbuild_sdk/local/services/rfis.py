"""RFIs (requests for information): open -> answered -> closed, or void from open or answered.

``rfi_number`` is ``RFI-<n>`` when not given, unique per project (a UNIQUE index). Events: ``rfi.created``,
``rfi.answered`` and ``rfi.closed`` (with ``previous_status``). The catalogue has no update, void or delete
events, so those emit nothing. Closed and void RFIs cannot be edited.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import Conflict
from .context import Ctx
from .domain import (
    ListQuery,
    Resource,
    check_parent,
    check_unique,
    delete_row,
    fetch,
    fetch_rendered,
    insert_row,
    list_page,
    move,
    publish_change,
    render,
    update_row,
)
from .events import announce

__all__ = ["RFI", "answer", "close", "create", "delete", "list_rfis", "retrieve", "update", "void"]

STATUSES = ("open", "answered", "closed", "void")
RFI = Resource(
    table="rfis",
    name="rfi",
    label="RFI",
    fields={
        "project_id": "int",
        "rfi_number": "text",
        "subject": "text",
        "question": "text",
        "answer": "text",
        "status": "text",
        "priority": "text",
        "submitted_by": "text",
        "assigned_to": "text",
        "due_date": "date",
        "answered_at": "instant",
    },
    search=("subject", "question", "rfi_number"),
    filters=("project_id",),
    statuses=STATUSES,
    transitions={"open": ("answered", "void"), "answered": ("closed", "void"), "closed": (), "void": ()},
)


def list_rfis(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, RFI, query)


def retrieve(ctx: Ctx, rfi_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, RFI, rfi_id)


def _next_number(conn: sqlite3.Connection, project_id: int) -> str:
    """``RFI-001``, ``RFI-002`` ... per project: one more than the project's RFIs, skipping taken numbers."""
    count = conn.execute("SELECT COUNT(*) FROM rfis WHERE project_id = ?", (project_id,)).fetchone()[0]
    n = int(count) + 1
    while conn.execute(
        "SELECT 1 FROM rfis WHERE project_id = ? AND rfi_number = ?", (project_id, f"RFI-{n:03d}")
    ).fetchone():
        n += 1
    return f"RFI-{n:03d}"


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    values = {"submitted_by": ctx.account.user_id, **values, "status": "open"}
    with ctx.env.db.write() as conn:
        project_id = values["project_id"]
        check_parent(ctx, conn, "projects", "project", "project_id", project_id)
        if values.get("rfi_number") is None:
            values["rfi_number"] = _next_number(conn, project_id)
        else:
            check_unique(conn, RFI, "rfi_number", values["rfi_number"], ("project_id", project_id), None)
        obj = publish_change(ctx, conn, RFI, "created", insert_row(ctx, conn, RFI, values))
    announce(ctx)
    return obj


def update(ctx: Ctx, rfi_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, RFI, rfi_id)
        if row["status"] in ("closed", "void"):
            raise Conflict(f"RFI {rfi_id} is {row['status']} and can no longer be edited", code="not_editable")
        project_id = values.get("project_id", row["project_id"])
        if "project_id" in values:
            check_parent(ctx, conn, "projects", "project", "project_id", project_id)
        if "rfi_number" in values or "project_id" in values:
            number = values.get("rfi_number", row["rfi_number"])
            check_unique(conn, RFI, "rfi_number", number, ("project_id", project_id), rfi_id)
        return render(RFI, update_row(ctx, conn, RFI, rfi_id, values))


def answer(ctx: Ctx, rfi_id: int, text: str) -> dict[str, Any]:
    values = {"answer": text, "answered_at": ctx.now_ms()}
    return move(ctx, RFI, rfi_id, "answered", action="answer", values=values, event="answered")


def close(ctx: Ctx, rfi_id: int) -> dict[str, Any]:
    return move(ctx, RFI, rfi_id, "closed", action="close", values={}, event="closed")


def void(ctx: Ctx, rfi_id: int) -> dict[str, Any]:
    return move(ctx, RFI, rfi_id, "void", action="void", values={}, event=None)


def delete(ctx: Ctx, rfi_id: int) -> None:
    with ctx.env.db.write() as conn:
        delete_row(ctx, conn, RFI, rfi_id)

"""Tasks: todo / in-progress / review / blocked -> completed (reopenable to in-progress).

Events: ``task.created``, ``task.updated``, ``task.deleted``, and ``task.completed`` (with
``previous_status``) when ``PUT /:id/complete`` - or an update setting ``status: completed`` - completes it.
Completing stamps ``completed_at`` and sets ``progress`` to 100; reopening clears ``completed_at``.
"""

from __future__ import annotations

from typing import Any

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
    publish_change,
    update_row,
)
from .events import announce

__all__ = ["TASK", "complete", "create", "delete", "list_tasks", "retrieve", "update"]

STATUSES = ("todo", "in-progress", "review", "completed", "blocked")
TASK = Resource(
    table="tasks",
    name="task",
    label="task",
    fields={
        "project_id": "int",
        "title": "text",
        "description": "text",
        "status": "text",
        "priority": "text",
        "assigned_to": "text",
        "due_date": "date",
        "estimated_hours": "real",
        "actual_hours": "real",
        "progress": "int",
        "completed_at": "instant",
    },
    search=("title", "description"),
    filters=("project_id",),
    statuses=STATUSES,
    transitions={
        "todo": ("in-progress", "review", "blocked", "completed"),
        "in-progress": ("todo", "review", "blocked", "completed"),
        "review": ("in-progress", "blocked", "completed"),
        "blocked": ("todo", "in-progress"),
        "completed": ("in-progress",),
    },
)


def list_tasks(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, TASK, query)


def retrieve(ctx: Ctx, task_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, TASK, task_id)


def _status_effects(ctx: Ctx, values: dict[str, Any]) -> None:
    if values.get("status") == "completed":
        values["completed_at"] = ctx.now_ms()
        values["progress"] = 100
    elif "status" in values:
        values["completed_at"] = None


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "status" in values:
        _status_effects(ctx, values)
    with ctx.env.db.write() as conn:
        check_parent(ctx, conn, "projects", "project", "project_id", values["project_id"])
        obj = publish_change(ctx, conn, TASK, "created", insert_row(ctx, conn, TASK, values))
    announce(ctx)
    return obj


def update(ctx: Ctx, task_id: int, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, TASK, task_id)
        previous = row["status"]
        if values.get("status", previous) == previous:
            values.pop("status", None)  # no change of state: completed_at stays as it is
        else:
            check_transition(TASK, row, values["status"])
            _status_effects(ctx, values)
        if "project_id" in values:
            check_parent(ctx, conn, "projects", "project", "project_id", values["project_id"])
        row = update_row(ctx, conn, TASK, task_id, values)
        obj = publish_change(ctx, conn, TASK, "updated", row)
        if values.get("status") == "completed":
            publish_change(ctx, conn, TASK, "completed", row, previous_status=previous)
    announce(ctx)
    return obj


def complete(ctx: Ctx, task_id: int) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, TASK, task_id)
        check_transition(TASK, row, "completed", action="complete")
        values: dict[str, Any] = {"status": "completed"}
        _status_effects(ctx, values)
        done = update_row(ctx, conn, TASK, task_id, values)
        obj = publish_change(ctx, conn, TASK, "completed", done, previous_status=row["status"])
    announce(ctx)
    return obj


def delete(ctx: Ctx, task_id: int) -> None:
    with ctx.env.db.write() as conn:
        publish_change(ctx, conn, TASK, "deleted", delete_row(ctx, conn, TASK, task_id))
    announce(ctx)

"""Projects: planning -> active <-> on-hold -> completed (reopenable), or cancelled.

Events: ``project.created``, ``project.updated`` (+ ``project.status_changed`` with ``previous_status`` when
the update changes ``status``), ``project.deleted``.
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .domain import (
    ListQuery,
    Resource,
    check_date_order,
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

__all__ = ["PROJECT", "create", "delete", "list_projects", "retrieve", "update"]

STATUSES = ("planning", "active", "on-hold", "completed", "cancelled")
PROJECT = Resource(
    table="projects",
    name="project",
    label="project",
    fields={
        "name": "text",
        "description": "text",
        "project_number": "text",
        "status": "text",
        "priority": "text",
        "start_date": "date",
        "end_date": "date",
        "budget": "money",
        "actual_cost": "money",
        "address": "text",
        "city": "text",
        "state": "text",
        "zip_code": "text",
        "client_id": "int",
        "progress": "int",
    },
    search=("name", "description", "project_number", "city"),
    filters=("client_id",),
    statuses=STATUSES,
    transitions={
        "planning": ("active", "on-hold", "cancelled"),
        "active": ("on-hold", "completed", "cancelled"),
        "on-hold": ("active", "cancelled"),
        "completed": ("active",),
        "cancelled": (),
    },
)


def list_projects(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, PROJECT, query)


def retrieve(ctx: Ctx, project_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, PROJECT, project_id)


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    check_date_order("start_date", "end_date", values)
    with ctx.env.db.write() as conn:
        check_parent(ctx, conn, "clients", "client", "client_id", values.get("client_id"))
        obj = publish_change(ctx, conn, PROJECT, "created", insert_row(ctx, conn, PROJECT, values))
    announce(ctx)
    return obj


def update(ctx: Ctx, project_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, PROJECT, project_id)
        check_date_order("start_date", "end_date", values, row)
        previous = row["status"]
        status_change = "status" in values and values["status"] != previous
        if status_change:
            check_transition(PROJECT, row, values["status"])
        if "client_id" in values:
            check_parent(ctx, conn, "clients", "client", "client_id", values["client_id"])
        row = update_row(ctx, conn, PROJECT, project_id, values)
        obj = publish_change(ctx, conn, PROJECT, "updated", row)
        if status_change:
            publish_change(ctx, conn, PROJECT, "status_changed", row, previous_status=previous)
    announce(ctx)
    return obj


def delete(ctx: Ctx, project_id: int) -> None:
    with ctx.env.db.write() as conn:
        publish_change(ctx, conn, PROJECT, "deleted", delete_row(ctx, conn, PROJECT, project_id))
    announce(ctx)

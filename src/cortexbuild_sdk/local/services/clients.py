"""Clients (the construction company's customers): ``is_active`` instead of a status.

Events: ``client.created``, ``client.updated``. The catalogue has no ``client.deleted``, so a delete emits
nothing; a client still referenced by projects or invoices cannot be deleted (409) - deactivate it instead.
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .domain import (
    ListQuery,
    Resource,
    delete_row,
    fetch,
    fetch_rendered,
    insert_row,
    list_page,
    publish_change,
    update_row,
)
from .events import announce

__all__ = ["CLIENT", "create", "delete", "list_clients", "retrieve", "update"]

CLIENT = Resource(
    table="clients",
    name="client",
    label="client",
    fields={
        "name": "text",
        "contact_name": "text",
        "email": "text",
        "phone": "text",
        "address": "text",
        "city": "text",
        "state": "text",
        "zip_code": "text",
        "country": "text",
        "website": "text",
        "tax_id": "text",
        "payment_terms": "text",
        "credit_limit": "money",
        "notes": "text",
        "is_active": "bool",
    },
    search=("name", "contact_name", "email"),
    filters=("is_active",),
)


def list_clients(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, CLIENT, query)


def retrieve(ctx: Ctx, client_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, CLIENT, client_id)


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        obj = publish_change(ctx, conn, CLIENT, "created", insert_row(ctx, conn, CLIENT, values))
    announce(ctx)
    return obj


def update(ctx: Ctx, client_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        fetch(ctx, conn, CLIENT, client_id)
        obj = publish_change(ctx, conn, CLIENT, "updated", update_row(ctx, conn, CLIENT, client_id, values))
    announce(ctx)
    return obj


def delete(ctx: Ctx, client_id: int) -> None:
    with ctx.env.db.write() as conn:
        delete_row(ctx, conn, CLIENT, client_id)

"""Purchase orders: draft -> sent -> approved -> received; approval straight from draft too; cancelled
from anything not yet received (``PUT /:id`` with ``status: cancelled``).

``po_number`` is ``PO-<n>`` when not given (unique per account). Totals are computed from ``items`` as on
invoices (``total = subtotal + tax_amount``; ``tax_amount`` given in currency units, default 0). Events:
``purchase_order.created``, ``purchase_order.approved`` (stamps ``approved_at``),
``purchase_order.received`` (stamps ``received_at``: the ``received_date`` given, midnight UTC, else now), each
with ``previous_status``. Items, tax and number change only in draft; only draft or cancelled orders can be
deleted.
"""

from __future__ import annotations

from typing import Any

from ..errors import Conflict
from .common import dumps
from .context import Ctx
from .domain import (
    ListQuery,
    Resource,
    check_date_order,
    check_deletable,
    check_draft_only,
    check_parent,
    check_transition,
    check_unique,
    delete_row,
    fetch,
    fetch_rendered,
    insert_row,
    list_page,
    move,
    next_number,
    publish_change,
    render,
    update_row,
)
from .events import announce
from .money import lines_to_price, priced

__all__ = ["PURCHASE_ORDER", "approve", "create", "delete", "list_orders", "receive", "retrieve", "send", "update"]

STATUSES = ("draft", "sent", "approved", "received", "cancelled")
PURCHASE_ORDER = Resource(
    table="purchase_orders",
    name="purchase_order",
    label="purchase order",
    fields={
        "project_id": "int",
        "vendor": "text",
        "po_number": "text",
        "status": "text",
        "issue_date": "date",
        "delivery_date": "date",
        "subtotal": "money",
        "tax_amount": "money",
        "total": "money",
        "notes": "text",
        "approved_at": "instant",
        "received_at": "instant",
        "items": "items",
    },
    search=("vendor", "po_number", "notes"),
    filters=("project_id",),
    statuses=STATUSES,
    transitions={
        "draft": ("sent", "approved", "cancelled"),
        "sent": ("approved", "cancelled"),
        "approved": ("received", "cancelled"),
        "received": (),
        "cancelled": (),
    },
)
_PO = PURCHASE_ORDER
_DRAFT_ONLY = ("items", "tax_amount", "po_number", "vendor", "issue_date", "project_id")


def _totals(items: Any, tax: int) -> dict[str, Any]:
    computed = priced(items, lambda _subtotal: tax)
    return {**computed, "items": dumps(computed["items"])}


def list_orders(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return list_page(ctx, _PO, query)


def retrieve(ctx: Ctx, order_id: int) -> dict[str, Any]:
    return fetch_rendered(ctx, _PO, order_id)


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    values = {**values, **_totals(values["items"], values.get("tax_amount") or 0), "status": "draft"}
    check_date_order("issue_date", "delivery_date", values)
    with ctx.env.db.write() as conn:
        check_parent(ctx, conn, "projects", "project", "project_id", values.get("project_id"))
        scope = ("account_id", ctx.account.id)
        if values.get("po_number") is None:
            values["po_number"] = next_number(conn, _PO, "po_number", "PO-", ctx.account.id)
        else:
            check_unique(conn, _PO, "po_number", values["po_number"], scope, None)
        obj = publish_change(ctx, conn, _PO, "created", insert_row(ctx, conn, _PO, values))
    announce(ctx)
    return obj


def update(ctx: Ctx, order_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, _PO, order_id)
        check_draft_only(_PO, row, values, _DRAFT_ONLY)
        check_date_order("issue_date", "delivery_date", values, row)
        if "status" in values:
            if values["status"] != "cancelled":
                raise Conflict(
                    "an update can only cancel a purchase order; use send / approve / receive for the rest",
                    code="invalid_transition",
                    allowed=["cancelled"] if "cancelled" in _PO.allowed_from(row["status"]) else [],
                )
            check_transition(_PO, row, "cancelled")
        if "project_id" in values:
            check_parent(ctx, conn, "projects", "project", "project_id", values["project_id"])
        if "po_number" in values:
            check_unique(conn, _PO, "po_number", values["po_number"], ("account_id", ctx.account.id), order_id)
        if "items" in values or "tax_amount" in values:
            items = lines_to_price(values, row)
            values = {**values, **_totals(items, values.get("tax_amount", row["tax_amount"]))}
        return render(_PO, update_row(ctx, conn, _PO, order_id, values))


def send(ctx: Ctx, order_id: int) -> dict[str, Any]:
    # The catalogue has no purchase_order.sent.
    return move(ctx, _PO, order_id, "sent", action="send", values={}, event=None)


def approve(ctx: Ctx, order_id: int) -> dict[str, Any]:
    return move(
        ctx, _PO, order_id, "approved", action="approve", values={"approved_at": ctx.now_ms()}, event="approved"
    )


def receive(ctx: Ctx, order_id: int, received_at_ms: int | None) -> dict[str, Any]:
    at = ctx.now_ms() if received_at_ms is None else received_at_ms
    return move(ctx, _PO, order_id, "received", action="receive", values={"received_at": at}, event="received")


def delete(ctx: Ctx, order_id: int) -> None:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, _PO, order_id)
        check_deletable(_PO, row, "orders")
        delete_row(ctx, conn, _PO, order_id)

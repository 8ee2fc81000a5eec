"""Invoices: draft -> sent -> paid, sent -> overdue (by the clock) -> paid, or cancelled before paid.

Totals are computed, never taken from the caller: each line's ``amount = quantity * unit_price``,
``subtotal`` their sum, ``tax_amount = subtotal * tax_rate / 100``, ``total = subtotal + tax_amount``, each
rounded half-up to the cent (Decimal arithmetic); ``balance = total - paid_amount``.

Payments (``PUT /:id/pay {payment_date, amount?}``): ``amount`` defaults to the balance and may not exceed it.
A partial payment lowers the balance and keeps the status (``sent`` or ``overdue``) and emits nothing (the
catalogue has no event for it); the payment that brings the balance to 0 sets ``paid``, ``paid_at`` (the
payment date, midnight UTC) and emits ``invoice.paid``.

Only a draft's items, dates, parties and tax rate can change; ``notes`` and ``terms`` can change any time.
Only draft or cancelled invoices can be deleted.

``invoice.overdue`` fires once per invoice, when the backend clock's UTC date is after a ``sent`` invoice's
``due_date``: :func:`mark_overdue` moves it to ``overdue`` (which it never leaves but to ``paid`` or
``cancelled``, hence once) and publishes the event in the same transaction. The scan reads only the invoices
becoming overdue (index ``invoices (status, due_date)``); the backend runs it on a timer, on ``drain()``, and
before invoice reads and actions so that what a caller sees is already up to date.
"""

from __future__ import annotations

import sqlite3
import time
from decimal import Decimal
from typing import Any

from ..errors import Invalid
from .common import dumps
from .context import Account, Ctx, Environment, Principal, Runtime
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
from .money import lines_to_price, percent_of, priced

__all__ = [
    "INVOICE",
    "cancel",
    "catch_up",
    "create",
    "delete",
    "list_invoices",
    "mark_overdue",
    "pay",
    "retrieve",
    "send",
    "update",
]

STATUSES = ("draft", "sent", "paid", "overdue", "cancelled")
INVOICE = Resource(
    table="invoices",
    name="invoice",
    label="invoice",
    fields={
        "project_id": "int",
        "client_id": "int",
        "invoice_number": "text",
        "status": "text",
        "issue_date": "date",
        "due_date": "date",
        "subtotal": "money",
        "tax_rate": "rate",
        "tax_amount": "money",
        "total": "money",
        "paid_amount": "money",
        "balance": "money",
        "notes": "text",
        "terms": "text",
        "paid_at": "instant",
        "items": "items",
    },
    search=("invoice_number", "notes"),
    filters=("project_id", "client_id"),
    statuses=STATUSES,
    transitions={
        "draft": ("sent", "cancelled"),
        "sent": ("paid", "overdue", "cancelled"),
        "overdue": ("paid", "cancelled"),
        "paid": (),
        "cancelled": (),
    },
)
_DRAFT_ONLY = ("project_id", "client_id", "issue_date", "due_date", "items", "tax_rate", "invoice_number")


def _totals(values: dict[str, Any], paid_cents: int) -> dict[str, Any]:
    """Replace ``items``/``tax_rate`` inputs by the stored lines, rate text and the computed money columns."""
    rate: Decimal = values["tax_rate"]
    computed = priced(values["items"], lambda subtotal: percent_of(subtotal, rate))
    return {
        **values,
        **computed,
        "tax_rate": format(rate.normalize(), "f") if rate else "0",  # "20", never "2E+1"
        "balance": computed["total"] - paid_cents,
    }


def _dump_items(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "items": dumps(values["items"])} if "items" in values else values


def list_invoices(ctx: Ctx, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    catch_up(ctx)
    return list_page(ctx, INVOICE, query)


def retrieve(ctx: Ctx, invoice_id: int) -> dict[str, Any]:
    catch_up(ctx)
    return fetch_rendered(ctx, INVOICE, invoice_id)


def _parties(ctx: Ctx, conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    if "client_id" in values:
        check_parent(ctx, conn, "clients", "client", "client_id", values["client_id"])
    if "project_id" in values:
        check_parent(ctx, conn, "projects", "project", "project_id", values["project_id"])


def create(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    values = _totals({"tax_rate": Decimal(0), **values}, 0)
    check_date_order("issue_date", "due_date", values)
    with ctx.env.db.write() as conn:
        _parties(ctx, conn, values)
        if values.get("invoice_number") is None:
            values["invoice_number"] = next_number(conn, INVOICE, "invoice_number", "INV-", ctx.account.id)
        else:
            check_unique(
                conn, INVOICE, "invoice_number", values["invoice_number"], ("account_id", ctx.account.id), None
            )
        row = insert_row(ctx, conn, INVOICE, {**_dump_items(values), "status": "draft", "paid_amount": 0})
        obj = publish_change(ctx, conn, INVOICE, "created", row)
    announce(ctx)
    return obj


def update(ctx: Ctx, invoice_id: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, INVOICE, invoice_id)
        check_draft_only(INVOICE, row, values, _DRAFT_ONLY, note=" (notes and terms can change any time)")
        _parties(ctx, conn, values)
        if "invoice_number" in values:
            scope = ("account_id", ctx.account.id)
            check_unique(conn, INVOICE, "invoice_number", values["invoice_number"], scope, invoice_id)
        check_date_order("issue_date", "due_date", values, row)
        if "items" in values or "tax_rate" in values:
            merged = {
                "items": lines_to_price(values, row),
                "tax_rate": values.get("tax_rate", Decimal(row["tax_rate"])),
            }
            values = {**values, **_totals(merged, row["paid_amount"])}
        return render(INVOICE, update_row(ctx, conn, INVOICE, invoice_id, _dump_items(values)))


def send(ctx: Ctx, invoice_id: int) -> dict[str, Any]:
    obj = move(ctx, INVOICE, invoice_id, "sent", action="send", values={}, event="sent")
    catch_up(ctx)  # sent after its due date: overdue at once
    return obj


def pay(ctx: Ctx, invoice_id: int, *, payment_date_ms: int, amount: int | None) -> dict[str, Any]:
    catch_up(ctx)
    settled = False
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, INVOICE, invoice_id)
        check_transition(INVOICE, row, "paid", action="pay")
        balance = row["balance"]
        paying = balance if amount is None else amount
        if paying > balance:
            raise Invalid(
                f"amount {paying / 100:.2f} exceeds the balance {balance / 100:.2f}",
                details=[{"field": "amount", "message": "exceeds the balance"}],
            )
        values: dict[str, Any] = {"paid_amount": row["paid_amount"] + paying, "balance": balance - paying}
        if values["balance"] == 0:
            values.update(status="paid", paid_at=payment_date_ms)
            settled = True
        done = update_row(ctx, conn, INVOICE, invoice_id, values)
        if not settled:
            return render(INVOICE, done)
        obj = publish_change(ctx, conn, INVOICE, "paid", done, previous_status=row["status"])
    announce(ctx)
    return obj


def cancel(ctx: Ctx, invoice_id: int) -> dict[str, Any]:
    catch_up(ctx)
    return move(ctx, INVOICE, invoice_id, "cancelled", action="cancel", values={}, event=None)


def delete(ctx: Ctx, invoice_id: int) -> None:
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, INVOICE, invoice_id)
        check_deletable(INVOICE, row, "invoices")
        delete_row(ctx, conn, INVOICE, invoice_id)


# ---- overdue --------------------------------------------------------------------------------------------


def utc_date(now_ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now_ms // 1000))


def mark_overdue(rt: Runtime, env: Environment) -> int:
    """Move every ``sent`` invoice of ``env`` whose due date has passed to ``overdue``, one
    ``invoice.overdue`` each (with ``previous_status``); returns how many. O(invoices becoming overdue)."""
    today = utc_date(rt.now_ms())
    due = "FROM invoices i JOIN accounts a ON a.id = i.account_id WHERE i.status = 'sent' AND i.due_date < ?"
    with env.db.read() as conn:  # the common case - nothing due - stays a read
        if conn.execute(f"SELECT 1 {due} LIMIT 1", (today,)).fetchone() is None:
            return 0
    woken: list[Ctx] = []
    with env.db.write() as conn:
        rows = conn.execute(
            f"SELECT i.id, a.id, a.user_id, a.company_id, a.company_name, a.tier {due} ORDER BY i.due_date, i.id",
            (today,),
        ).fetchall()
        for invoice_id, *account in rows:
            ctx = Ctx(rt, Account(*account), Principal(0, frozenset(), env.sandbox_id), env)
            done = update_row(ctx, conn, INVOICE, invoice_id, {"status": "overdue"})
            publish_change(ctx, conn, INVOICE, "overdue", done, previous_status="sent")
            woken.append(ctx)
    if woken:
        announce(woken[0])  # one wake per database
    return len(woken)


def catch_up(ctx: Ctx) -> None:
    """Bring the caller's database up to the clock before an invoice read or action."""
    mark_overdue(ctx.rt, ctx.env)

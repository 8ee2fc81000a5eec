"""Money arithmetic for invoices, purchase orders and time entries: Decimal throughout, cents at rest,
rounded half-up (as accountants and the platform's invoices expect), never through binary floats."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import Invalid
from .common import loads
from .domain import money

__all__ = ["MAX_CENTS", "Line", "bounded", "items_and_subtotal", "lines_to_price", "percent_of", "priced", "to_cents"]

MAX_CENTS = 10**15
"""Ten trillion in currency units: beyond any construction budget, well inside SQLite's 64-bit integers."""

_CENT = Decimal(1)

Line = Mapping[str, Any]  # {"description": str, "quantity": Decimal, "unit_price": cents}


def to_cents(amount: Decimal) -> int:
    """A Decimal number of *cents* rounded half-up to a whole cent."""
    return int(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def items_and_subtotal(items: Iterable[Line]) -> tuple[list[dict[str, Any]], int]:
    """Each line's ``amount = quantity * unit_price`` (half-up to the cent) and the sum of the amounts.

    The stored lines are the wire form (currency units), so GET and events render them as they are."""
    lines: list[dict[str, Any]] = []
    subtotal = 0
    for item in items:
        quantity = Decimal(item["quantity"])
        amount = to_cents(quantity * item["unit_price"])
        subtotal += bounded(amount, "items")
        lines.append(
            {
                "description": item["description"],
                "quantity": int(quantity) if quantity == quantity.to_integral_value() else float(quantity),
                "unit_price": money(item["unit_price"]),
                "amount": money(amount),
            }
        )
    return lines, bounded(subtotal, "items")


def priced(items: Iterable[Line], tax: Callable[[int], int]) -> dict[str, Any]:
    """The computed columns of a priced document (invoice, purchase order): its lines, ``subtotal``,
    ``tax_amount = tax(subtotal)`` and ``total = subtotal + tax_amount`` (bounded)."""
    lines, subtotal = items_and_subtotal(items)
    tax_amount = tax(subtotal)
    return {
        "items": lines,
        "subtotal": subtotal,
        "tax_amount": tax_amount,
        "total": bounded(subtotal + tax_amount, "total"),
    }


def bounded(cents: int, field: str) -> int:
    """``cents`` unless it is beyond :data:`MAX_CENTS` (then :class:`Invalid` naming ``field``)."""
    if cents > MAX_CENTS:
        raise Invalid(f"{field} would be {cents / 100:.2f}, beyond the {MAX_CENTS // 100} limit",
                      details=[{"field": field, "message": "too large"}])  # fmt: skip
    return cents


def percent_of(cents: int, rate: Decimal) -> int:
    """``rate`` percent of ``cents``, half-up to the cent."""
    return to_cents(Decimal(cents) * rate / 100)


def lines_to_price(values: Mapping[str, Any], row: sqlite3.Row) -> Any:
    """On update: the ``items`` given, else the row's stored lines (so a new tax alone re-prices them)."""
    return values.get("items") or stored_lines(loads(row["items"], []))


def stored_lines(items_json: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored wire-form lines back to inputs of :func:`items_and_subtotal` (for recomputing on update)."""
    return [
        {
            "description": it["description"],
            "quantity": Decimal(str(it["quantity"])),
            "unit_price": to_cents(Decimal(str(it["unit_price"])) * 100),
        }
        for it in items_json
    ]

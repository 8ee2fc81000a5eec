"""/api/invoices routes, with ``PUT /:id/send``, ``/:id/pay {payment_date, amount?}`` and ``/:id/cancel``."""

from __future__ import annotations

from typing import Any

from ..routing import Call
from ..services import invoices
from .domain import action, body_of, crud_routes, id_filter
from .domain_bodies import InvoiceCreate, InvoicePay, InvoiceUpdate
from .times import parse_instant

_P, _A = "/api/invoices", "invoices"


def _pay(call: Call) -> dict[str, Any]:
    body = body_of(InvoicePay, call)
    paid_at = parse_instant(body.payment_date, "payment_date")  # midnight UTC of the payment date
    return invoices.pay(call.ctx, call.params["id"], payment_date_ms=paid_at, amount=body.amount)


ROUTES = (
    *crud_routes(
        _P,
        _A,
        invoices.INVOICE,
        service=invoices,
        listing=invoices.list_invoices,
        create_body=InvoiceCreate,
        update_body=InvoiceUpdate,
        filters={"project_id": id_filter, "client_id": id_filter},
        label="Invoice",
    ),
    action(f"{_P}/:id/send", _A, lambda call: invoices.send(call.ctx, call.params["id"])),
    action(f"{_P}/:id/pay", _A, _pay, body=True),
    action(f"{_P}/:id/cancel", _A, lambda call: invoices.cancel(call.ctx, call.params["id"])),
)

"""/api/purchase-orders routes, with ``PUT /:id/send``, ``/:id/approve`` and ``/:id/receive {received_date?}``."""

from __future__ import annotations

from typing import Any

from ..routing import Call
from ..services import purchase_orders
from .domain import action, body_of, crud_routes, id_filter
from .domain_bodies import PurchaseOrderCreate, PurchaseOrderReceive, PurchaseOrderUpdate
from .times import parse_instant

_P, _A = "/api/purchase-orders", "purchase_orders"


def _receive(call: Call) -> dict[str, Any]:
    day = body_of(PurchaseOrderReceive, call).received_date
    at = None if day is None else parse_instant(day, "received_date")
    return purchase_orders.receive(call.ctx, call.params["id"], at)


ROUTES = (
    *crud_routes(
        _P,
        _A,
        purchase_orders.PURCHASE_ORDER,
        service=purchase_orders,
        listing=purchase_orders.list_orders,
        create_body=PurchaseOrderCreate,
        update_body=PurchaseOrderUpdate,
        filters={"project_id": id_filter},
        label="Purchase order",
    ),
    action(f"{_P}/:id/send", _A, lambda call: purchase_orders.send(call.ctx, call.params["id"])),
    action(f"{_P}/:id/approve", _A, lambda call: purchase_orders.approve(call.ctx, call.params["id"])),
    action(f"{_P}/:id/receive", _A, _receive, body=True),
)

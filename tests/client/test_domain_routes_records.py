"""The document, time entry and purchase order routes on both clients against respx serving the contract's exact
(loose) shapes."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import respx

from cortexbuild_sdk.types import Document, PurchaseOrder, TimeEntry, TimeEntrySummary

from .conftest import Runner
from .domain_bodies import DOCUMENT, INVOICE, NOON, PURCHASE_ORDER, TIME_ENTRY, Case, check_route, crud, is_, ok

CASES = [
    *crud(
        "documents",
        "/api/documents",
        DOCUMENT,
        Document,
        {"is_public": False, "version": 1, "category": "drawing", "parent_document_id": None},
        (
            lambda c: c.documents.create(project_id=7, name="Plan", file=b"%PDF", filename="plan.pdf"),
            None,  # multipart: checked byte-level in test_domain_documents.py
        ),
        (lambda c: c.documents.update(51, name="Plan v1"), {"name": "Plan v1"}),
    ),
    Case(
        "documents.share",
        lambda c: c.documents.share(51, emails=["pm@example.com"], is_public=True),
        "PUT",
        "/api/documents/51/share",
        ok(data={**DOCUMENT, "is_public": 1, "shared_with": '["pm@example.com"]'}),
        is_(Document, is_public=True, shared_with=["pm@example.com"]),
        sent_body={"emails": ["pm@example.com"], "is_public": True},
    ),
    *crud(
        "time_entries",
        "/api/time-entries",
        TIME_ENTRY,
        TimeEntry,
        {
            "user_id": "3",
            "is_billable": True,
            "hourly_rate": Decimal("42.5"),
            "amount": Decimal("361.25"),
            "start_time": datetime(2025, 10, 9, 8, tzinfo=timezone.utc),
            "end_time": datetime(2025, 10, 9, 16, 30, tzinfo=timezone.utc),
        },
        (
            lambda c: c.time_entries.create(
                project_id=7,
                start_time=datetime(2025, 10, 9, 8),
                end_time="2025-10-09 16:30:00",
                hourly_rate=Decimal("42.50"),
                is_billable=True,
            ),
            {
                "project_id": 7,
                "start_time": "2025-10-09T08:00:00+00:00",
                "end_time": "2025-10-09 16:30:00",
                "hourly_rate": 42.5,
                "is_billable": True,
            },
        ),
        (lambda c: c.time_entries.update(61, end_time=None), {"end_time": None}),
    ),
    Case(
        "time_entries.approve",
        lambda c: c.time_entries.approve(61),
        "PUT",
        "/api/time-entries/61/approve",
        ok(data={**TIME_ENTRY, "status": "approved"}),
        is_(TimeEntry, status="approved"),
    ),
    Case(
        "time_entries.summary",
        lambda c: c.time_entries.summary(project_id=7, status="approved"),
        "GET",
        "/api/time-entries/summary/stats",
        ok(
            data={
                "total_entries": 2,
                "total_minutes": 960,
                "total_hours": 16.0,
                "billable_minutes": 510,
                "billable_hours": 8.5,
                "total_amount": 361.25,
                "pending_entries": 0,
                "approved_entries": 2,
            }
        ),
        is_(TimeEntrySummary, total_entries=2, total_amount=Decimal("361.25"), billable_hours=8.5, approved_entries=2),
        sent_query={"project_id": "7", "status": "approved"},
    ),
    *crud(
        "purchase_orders",
        "/api/purchase-orders",
        PURCHASE_ORDER,
        PurchaseOrder,
        {
            "total": Decimal("9999.99"),
            "tax_amount": Decimal(0),
            "received_at": datetime(2025, 10, 9, 12, tzinfo=timezone.utc),
            "delivery_date": date(2025, 10, 16),
        },
        (
            lambda c: c.purchase_orders.create(
                vendor="Steel Co",
                issue_date="2025-10-02",
                items=[{"description": "Rebar", "quantity": "2.5", "unit_price": "3999.996"}],
            ),
            {
                "vendor": "Steel Co",
                "issue_date": "2025-10-02",
                "items": [{"description": "Rebar", "quantity": 2.5, "unit_price": 3999.996}],
            },
        ),
        (lambda c: c.purchase_orders.update(71, delivery_date=None), {"delivery_date": None}),
    ),
    Case(
        "purchase_orders.send",
        lambda c: c.purchase_orders.send(71),
        "PUT",
        "/api/purchase-orders/71/send",
        ok(data={**PURCHASE_ORDER, "status": "sent"}),
        is_(PurchaseOrder, status="sent"),
    ),
    Case(
        "purchase_orders.approve",
        lambda c: c.purchase_orders.approve(71),
        "PUT",
        "/api/purchase-orders/71/approve",
        ok(data={**PURCHASE_ORDER, "status": "approved", "approved_at": "2025-10-09 12:00:00"}),
        is_(PurchaseOrder, status="approved", approved_at=NOON),
    ),
    Case(
        "purchase_orders.receive",
        lambda c: c.purchase_orders.receive(71, received_date=date(2025, 10, 16)),
        "PUT",
        "/api/purchase-orders/71/receive",
        ok(data={**PURCHASE_ORDER, "status": "received"}),
        is_(PurchaseOrder, status="received"),
        sent_body={"received_date": "2025-10-16"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    check_route(case, run, api)


def test_an_invoices_items_can_be_copied_onto_a_purchase_order(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/invoices/31").respond(json=ok(data=INVOICE))
    route = api.post("/api/purchase-orders").respond(201, json=ok(data=PURCHASE_ORDER, message="Created"))

    def copy(c: Any) -> Any:
        invoice = c.invoices.retrieve(31)
        return c.purchase_orders.create(vendor="Steel Co", issue_date=date(2025, 10, 2), items=invoice.items)

    async def copy_async(c: Any) -> Any:
        invoice = await c.invoices.retrieve(31)
        return await c.purchase_orders.create(vendor="Steel Co", issue_date=date(2025, 10, 2), items=invoice.items)

    run(copy if run.kind == "sync" else copy_async)
    sent = json.loads(route.calls.last.request.content)
    assert sent["items"] == [{"description": "Concrete", "quantity": 3, "unit_price": 380.0933}]

"""An end before its start is a 400 naming the later field, on create and on update (where the other date may be
the stored one), and changes nothing: project start/end, invoice issue/due, purchase-order issue/delivery."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cortexbuild_sdk import BadRequestError, CortexBuild

ITEMS = [{"description": "Rebar (t)", "quantity": "2", "unit_price": "850.00"}]


@pytest.fixture
def c() -> Iterator[CortexBuild]:
    with CortexBuild.local() as client:
        yield client


def _refused(call: Callable[[], Any], field: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        call()
    assert caught.value.details == [{"field": field, "message": caught.value.details[0]["message"]}]  # type: ignore[index]
    assert f"{field} must not be before" in str(caught.value)


def test_project_end_before_start(c: CortexBuild) -> None:
    _refused(lambda: c.projects.create(name="Tower", start_date="2026-05-01", end_date="2026-04-30"), "end_date")
    assert list(c.projects.list()) == []
    p = c.projects.create(name="Tower", start_date="2026-05-01", end_date="2026-09-30")
    _refused(lambda: c.projects.update(p.id, end_date="2026-04-01"), "end_date")  # against the stored start
    _refused(lambda: c.projects.update(p.id, start_date="2026-10-01"), "end_date")  # against the stored end
    kept = c.projects.retrieve(p.id)
    assert (str(kept.start_date), str(kept.end_date)) == ("2026-05-01", "2026-09-30")
    assert c.projects.update(p.id, end_date=None, start_date="2026-10-01").end_date is None  # cleared: no order
    assert str(c.projects.update(p.id, end_date="2026-10-01").end_date) == "2026-10-01"  # the same day is fine


def test_invoice_due_before_issue(c: CortexBuild) -> None:
    client_id = c.clients.create(name="Harbourside").id
    make = c.invoices.create
    _refused(lambda: make(client_id=client_id, issue_date="2026-05-01", due_date="2026-04-01", items=ITEMS), "due_date")
    invoice = make(client_id=client_id, issue_date="2026-05-01", due_date="2026-05-31", items=ITEMS)
    _refused(lambda: c.invoices.update(invoice.id, issue_date="2026-06-01"), "due_date")
    assert str(c.invoices.retrieve(invoice.id).issue_date) == "2026-05-01"


def test_purchase_order_delivery_before_issue(c: CortexBuild) -> None:
    project_id = c.projects.create(name="Tower").id
    make = c.purchase_orders.create
    _refused(
        lambda: make(
            project_id=project_id, vendor="Steelco", issue_date="2026-05-01", delivery_date="2026-04-01", items=ITEMS
        ),
        "delivery_date",
    )
    order = make(project_id=project_id, vendor="Steelco", issue_date="2026-05-01", items=ITEMS)
    assert order.delivery_date is None
    _refused(lambda: c.purchase_orders.update(order.id, delivery_date="2026-04-30"), "delivery_date")
    assert str(c.purchase_orders.update(order.id, delivery_date="2026-05-20").delivery_date) == "2026-05-20"

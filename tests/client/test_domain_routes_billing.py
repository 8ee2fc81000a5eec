"""The invoice and client routes on both clients against respx serving the contract's exact (loose) shapes, and
money arriving exact."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import respx

from cortexbuild_sdk.types import Client, Invoice, InvoiceItem

from .conftest import Runner
from .domain_bodies import CLIENT, INVOICE, NOON, Case, check_route, crud, is_, ok

CASES = [
    *crud(
        "invoices",
        "/api/invoices",
        INVOICE,
        Invoice,
        {
            "total": Decimal("1234.35"),
            "paid_amount": Decimal("0.1"),
            "tax_rate": Decimal("8.25"),
            "items": [InvoiceItem(description="Concrete", quantity=Decimal(3), unit_price=Decimal("380.0933"))],
            "due_date": date(2025, 10, 31),
        },
        (
            lambda c: c.invoices.create(
                client_id=45,
                issue_date="2025-10-01",
                due_date=date(2025, 10, 31),
                items=[{"description": "Concrete", "quantity": 3, "unit_price": Decimal("380.0933")}],
                tax_rate="8.25",
            ),
            {
                "client_id": 45,
                "issue_date": "2025-10-01",
                "due_date": "2025-10-31",
                "items": [{"description": "Concrete", "quantity": 3, "unit_price": 380.0933}],
                "tax_rate": 8.25,
            },
        ),
        (lambda c: c.invoices.update(31, notes="Thanks", terms=None), {"notes": "Thanks", "terms": None}),
    ),
    Case(
        "invoices.send",
        lambda c: c.invoices.send(31),
        "PUT",
        "/api/invoices/31/send",
        ok(data=INVOICE),
        is_(Invoice, status="sent"),
    ),
    Case(
        "invoices.pay",
        lambda c: c.invoices.pay(31, payment_date=date(2025, 10, 9), amount=Decimal("1234.35")),
        "PUT",
        "/api/invoices/31/pay",
        ok(data={**INVOICE, "status": "paid", "balance": 0, "paid_amount": 1234.35, "paid_at": "2025-10-09 12:00:00"}),
        is_(Invoice, status="paid", balance=Decimal(0), paid_amount=Decimal("1234.35"), paid_at=NOON),
        sent_body={"payment_date": "2025-10-09", "amount": 1234.35},
    ),
    Case(
        "invoices.cancel",
        lambda c: c.invoices.cancel(31),
        "PUT",
        "/api/invoices/31/cancel",
        ok(data={**INVOICE, "status": "cancelled"}),
        is_(Invoice, status="cancelled"),
    ),
    *crud(
        "clients",
        "/api/clients",
        CLIENT,
        Client,
        {"is_active": True, "credit_limit": Decimal(250000), "payment_terms": "30"},
        (
            lambda c: c.clients.create(name="Acme", credit_limit="250000.00", email="a@acme.example"),
            {"name": "Acme", "credit_limit": 250000, "email": "a@acme.example"},
        ),
        (lambda c: c.clients.update(45, is_active=False), {"is_active": False}),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    check_route(case, run, api)


def test_money_arrives_exact_not_as_binary_float_noise(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/invoices/31").respond(json=ok(data={**INVOICE, "total": 1234.5, "paid_amount": 0.1, "balance": 0.3}))
    invoice = run(lambda c: c.invoices.retrieve(31))
    assert str(invoice.total) == "1234.5"
    assert str(invoice.paid_amount) == "0.1"
    assert invoice.paid_amount + Decimal("0.2") == invoice.balance  # 0.1 + 0.2 == 0.3, exactly
    assert invoice.to_dict()["total"] == "1234.5"


def test_every_amount_up_to_15_significant_digits_is_exact_on_both_parse_paths() -> None:
    # Both the decoded-dict path and the bytes-to-model path (pydantic-core reading JSON) must give the digits
    # the server wrote: every cent amount below 10^13 units (15 significant digits), sampled.
    import random

    rng = random.Random(10)
    for cents in [0, 1, 10, 99, 10**15 - 1, *(rng.randrange(10**15) for _ in range(20_000))]:
        text = f"{cents // 100}.{cents % 100:02d}"
        wire = '{"id": 1, "total": ' + text + "}"
        assert Invoice.model_validate_json(wire).total == Decimal(text)
        assert Invoice.model_validate(json.loads(wire)).total == Decimal(text)

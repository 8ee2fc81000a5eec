"""The construction objects exactly as the platform sends them: money as JSON numbers in currency units,
booleans as 0/1, timestamps as SQLite text, dates as YYYY-MM-DD, JSON columns as JSON text; and the route
case the construction route tests serve them through (``Case``, ``crud``, checked by ``check_route``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import respx

from . import contract_bodies
from .conftest import Runner

STAMPS = {"created_at": "2025-10-09 12:00:00", "updated_at": "2025-10-09 12:30:00"}

PROJECT: dict[str, Any] = {
    "id": 7,
    "company_id": "company-1",
    "name": "New Office Building",
    "description": "Six storeys",
    "project_number": "PRJ-2025-007",
    "status": "on-hold",
    "priority": "high",
    "start_date": "2025-01-15",
    "end_date": "2026-06-30",
    "budget": 5000000,
    "actual_cost": 1234.5,
    "address": "1 Main St",
    "city": "Cluj-Napoca",
    "state": "CJ",
    "zip_code": "400000",
    "client_id": 45,
    "progress": 40,
    **STAMPS,
}

TASK: dict[str, Any] = {
    "id": 11,
    "company_id": "company-1",
    "project_id": 7,
    "title": "Pour foundation",
    "description": None,
    "status": "in-progress",
    "priority": "medium",
    "assigned_to": 3,
    "due_date": "2025-11-01",
    "estimated_hours": 16,
    "actual_hours": 12.5,
    "progress": 75,
    "completed_at": None,
    **STAMPS,
}

RFI: dict[str, Any] = {
    "id": 21,
    "company_id": "company-1",
    "project_id": 7,
    "rfi_number": "RFI-001",
    "subject": "Beam size on grid C",
    "question": "Is W12x26 acceptable?",
    "answer": None,
    "status": "open",
    "priority": "high",
    "submitted_by": "user-1",
    "assigned_to": 4,
    "due_date": "2025-10-20",
    "answered_at": None,
    **STAMPS,
}

INVOICE: dict[str, Any] = {
    "id": 31,
    "company_id": "company-1",
    "project_id": 7,
    "client_id": 45,
    "invoice_number": "INV-2025-0031",
    "status": "sent",
    "issue_date": "2025-10-01",
    "due_date": "2025-10-31",
    "subtotal": 1140.28,
    "tax_rate": 8.25,
    "tax_amount": 94.07,
    "total": 1234.35,
    "paid_amount": 0.1,
    "balance": 1234.25,
    "notes": None,
    "terms": "Net 30",
    "paid_at": None,
    "items": '[{"description":"Concrete","quantity":3,"unit_price":380.0933}]',
    **STAMPS,
}

CLIENT: dict[str, Any] = {
    "id": 45,
    "company_id": "company-1",
    "name": "Acme Developments",
    "contact_name": "Ana Pop",
    "email": "ana@acme.example",
    "phone": "+40 700 000 000",
    "address": None,
    "city": "Cluj-Napoca",
    "state": None,
    "zip_code": None,
    "country": "RO",
    "website": None,
    "tax_id": "RO123",
    "payment_terms": 30,
    "credit_limit": 250000,
    "notes": None,
    "is_active": 1,
    **STAMPS,
}

DOCUMENT: dict[str, Any] = {
    "id": 51,
    "company_id": "company-1",
    "project_id": 7,
    "name": "Ground floor plan",
    "description": None,
    "file_size": 18,
    "file_type": "application/pdf",
    "category": "drawing",
    "is_public": 0,
    "version": 1,
    "parent_document_id": None,
    "sha256": "ab" * 32,
    **STAMPS,
}

TIME_ENTRY: dict[str, Any] = {
    "id": 61,
    "company_id": "company-1",
    "user_id": 3,
    "project_id": 7,
    "task_id": 11,
    "description": "Formwork",
    "start_time": "2025-10-09 08:00:00",
    "end_time": "2025-10-09T16:30:00Z",
    "duration_minutes": 510,
    "is_billable": 1,
    "hourly_rate": 42.5,
    "amount": 361.25,
    "status": "pending",
    **STAMPS,
}

PURCHASE_ORDER: dict[str, Any] = {
    "id": 71,
    "company_id": "company-1",
    "project_id": 7,
    "vendor": "Steel Co",
    "po_number": "PO-2025-0071",
    "status": "draft",
    "issue_date": "2025-10-02",
    "delivery_date": "2025-10-16",
    "subtotal": 9999.99,
    "tax_amount": 0,
    "total": 9999.99,
    "notes": None,
    "approved_at": None,
    "received_at": 1760011200000,
    "items": [{"description": "Rebar", "quantity": 2.5, "unit_price": 3999.996}],
    **STAMPS,
}


def ok(**fields: Any) -> dict[str, Any]:
    return {"success": True, **fields}


def page(items: list[dict[str, Any]], *, number: int = 1, limit: int = 20, total: int | None = None) -> dict[str, Any]:
    total = len(items) if total is None else total
    pages = max(1, -(-total // limit))
    return ok(data=items, pagination={"page": number, "limit": limit, "total": total, "totalPages": pages})


NOON = datetime(2025, 10, 9, 12, tzinfo=timezone.utc)


@dataclass
class Case(contract_bodies.Case):
    """The contract's route case, answered with ``status``."""

    status: int = 200


def is_(cls: type, **expected: Any) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert type(result) is cls
        for name, value in expected.items():
            got = getattr(result, name)
            assert got == value and type(got) is type(value), (name, got, value)

    return check


def is_none(result: Any) -> None:
    assert result is None


def created(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return ok(data={**obj, **changes}, message="Created successfully")


def updated(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return ok(data={**obj, **changes}, message="Updated successfully")


DELETED = ok(message="Deleted successfully")


def crud(
    name: str,
    path: str,
    obj: dict[str, Any],
    model: type,
    checks: dict[str, Any],
    create: tuple[Callable[[Any], Any], dict[str, Any]],
    update: tuple[Callable[[Any], Any], dict[str, Any]],
) -> list[Case]:
    oid = obj["id"]
    resource = name
    return [
        Case(
            f"{name}.retrieve",
            lambda c: getattr(c, resource).retrieve(oid),
            "GET",
            f"{path}/{oid}",
            ok(data=obj),
            is_(model, **checks),
        ),
        Case(f"{name}.create", create[0], "POST", path, created(obj), is_(model, id=oid), sent_body=create[1]),
        Case(
            f"{name}.update", update[0], "PUT", f"{path}/{oid}", updated(obj), is_(model, id=oid), sent_body=update[1]
        ),
        Case(f"{name}.delete", lambda c: getattr(c, resource).delete(oid), "DELETE", f"{path}/{oid}", DELETED, is_none),
    ]


def check_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    """Serve the case's response on its route, make its call on ``run``'s client, check result and request."""
    route = api.route(method=case.method, path=case.path).respond(case.status, json=case.response)
    case.check(run(case.call))
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer cbk_test_unit"
    if case.sent_body is not None:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == case.sent_body
    for name, value in case.sent_query.items():
        assert request.url.params[name] == value

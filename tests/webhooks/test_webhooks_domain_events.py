"""Event `data` reuses the client's models: the object as GET renders it, plus `previous_status`."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from cortexbuild_sdk import _webhook_events, webhooks
from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.testing import encode_payload, make_event_payload, signed_request
from cortexbuild_sdk.types import Client, Document, Invoice, Project, PurchaseOrder, Rfi, Task, TimeEntry
from cortexbuild_sdk.webhooks import MalformedPayloadError

MODEL_OF = {
    "project": Project,
    "task": Task,
    "rfi": Rfi,
    "invoice": Invoice,
    "client": Client,
    "document": Document,
    "time_entry": TimeEntry,
    "purchase_order": PurchaseOrder,
}


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_every_catalogue_event_carries_the_clients_model(name: str) -> None:
    resource = name.split(".")[0]
    obj = {"id": 9, "company_id": "company-1", "created_at": "2025-10-09 12:00:00", "is_public": 1}
    req = signed_request(name, {resource: obj}, "s")
    event = webhooks.construct_event(req.body, req.headers, "s")
    parsed = getattr(event.data, resource)
    assert type(parsed) is MODEL_OF[resource]
    assert parsed.id == 9
    assert parsed.created_at == datetime(2025, 10, 9, 12, tzinfo=timezone.utc)


def test_rfi_answered_is_typed_like_the_client_and_keeps_previous_status() -> None:
    rfi = {
        "id": 21,
        "project_id": 7,
        "rfi_number": "RFI-001",
        "subject": "Beam",
        "question": "W12?",
        "answer": "Yes",
        "status": "answered",
        "due_date": "2025-10-20",
        "answered_at": "2025-10-09 12:00:00",
    }
    event = webhooks.parse_event(
        encode_payload(make_event_payload("rfi.answered", {"rfi": rfi, "previous_status": "open"}))
    )
    assert isinstance(event, webhooks.RfiAnsweredEvent)
    assert type(event.data.rfi) is Rfi
    assert event.data.rfi == Rfi.model_validate(rfi)  # what client.rfis.retrieve() parses from the same JSON
    assert event.data.rfi.due_date == date(2025, 10, 20)
    assert event.data.previous_status == "open"
    assert event.data["rfi"]["subject"] == "Beam"  # dict-style reads still work


def test_status_change_and_exact_money_in_event_data() -> None:
    data = {
        "project": {"id": 7, "status": "active", "budget": 1234.5, "actual_cost": 0.1},
        "previous_status": "on-hold",
    }
    event = webhooks.parse_event(encode_payload(make_event_payload("project.status_changed", data)))
    assert isinstance(event, webhooks.ProjectStatusChangedEvent)
    assert event.data.previous_status == "on-hold"
    assert event.data.project.status == "active"
    assert (event.data.project.budget, event.data.project.actual_cost) == (Decimal("1234.5"), Decimal("0.1"))


def test_invoice_items_arrive_typed() -> None:
    invoice = {"id": 31, "total": 10.5, "items": [{"description": "Bolt", "quantity": 3, "unit_price": 3.5}]}
    event = webhooks.parse_event(encode_payload(make_event_payload("invoice.paid", {"invoice": invoice})))
    assert isinstance(event, webhooks.InvoicePaidEvent)
    assert event.data.invoice.items[0].unit_price == Decimal("3.5")
    assert event.data.previous_status is None


@pytest.mark.parametrize(
    "data",
    [
        {},  # the object is missing
        {"rfi": None},
        {"rfi": {"subject": "no id"}},
        {"rfi": {"id": 1, "answered_at": "not a time"}},
        {"rfi": "text"},
    ],
)
def test_event_data_without_a_valid_object_is_malformed(data: dict[str, object]) -> None:
    with pytest.raises(MalformedPayloadError):
        webhooks.parse_event(encode_payload(make_event_payload("rfi.answered", data)))


def test_event_models_are_reexported_lazily_from_webhooks() -> None:
    assert webhooks.RfiEventData is _webhook_events.RfiEventData
    assert _webhook_events.RfiEventData.model_fields["rfi"].annotation is Rfi

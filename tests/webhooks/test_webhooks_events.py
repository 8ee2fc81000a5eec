"""construct_event / parse_event: the typed discriminated union over the catalogue."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from cortexbuild_sdk import _webhook_events, webhooks
from cortexbuild_sdk._events import EVENT_TYPES, TEST_EVENT
from cortexbuild_sdk.testing import encode_payload, make_event_payload, signed_request
from cortexbuild_sdk.webhooks import MalformedPayloadError


def test_the_union_covers_exactly_the_catalogue_plus_the_test_event() -> None:
    assert set(_webhook_events.EVENT_MODELS) == {*EVENT_TYPES, TEST_EVENT}
    assert len(_webhook_events.EVENT_MODELS) == 25


@pytest.mark.parametrize("name", [*EVENT_TYPES, TEST_EVENT])
def test_each_event_name_parses_into_its_own_model(name: str) -> None:
    resource = name.split(".")[0]
    req = signed_request(name, {resource: {"id": 1}}, "s", event_id="evt_1")
    event = webhooks.construct_event(req.body, req.headers, "s")
    assert type(event) is _webhook_events.EVENT_MODELS[name]
    assert event.event == name
    assert event.id == "evt_1"
    if name == TEST_EVENT:
        assert event.data[resource] == {"id": 1}
    else:  # the object is typed (the model the client returns) and still reads like a dict
        assert event.data[resource].id == 1
        assert event.data[resource]["id"] == 1


def test_seed_example_payload_is_typed() -> None:
    body = (
        b'{"event":"project.created","timestamp":1709876543210,"data":{"project":{"id":123,'
        b'"name":"New Office Building","status":"active","budget":5000000,"client_id":45}},'
        b'"company_id":"company-1","user_id":"user-1"}'
    )
    headers = webhooks.sign(body, "s")
    event = webhooks.construct_event(body, headers, "s", tolerance=None)
    assert isinstance(event, webhooks.ProjectCreatedEvent)
    assert event.timestamp == datetime(2024, 3, 8, 5, 42, 23, 210000, tzinfo=timezone.utc)
    assert event.company_id == "company-1"
    assert event.user_id == "user-1"
    assert event.id is None
    assert event.data.project.budget == Decimal(5000000)
    assert event.data.project.status == "active"
    assert event.data.project["budget"] == 5000000
    assert event.data["project"]["name"] == "New Office Building"


def test_unknown_fields_are_kept_and_ids_become_strings() -> None:
    payload = make_event_payload("project.status_changed", {"project": {"id": 1}, "previous_status": "active"})
    payload["company_id"] = 42
    payload["delivery_attempt"] = 2
    event = webhooks.parse_event(encode_payload(payload))
    assert event.data["previous_status"] == "active"
    assert event.data.get("missing") is None
    assert event.company_id == "42"
    assert event.model_extra == {"delivery_attempt": 2}


def test_unknown_event_name_is_a_generic_event_not_an_error() -> None:
    req = signed_request("equipment.rented", {"equipment": {"id": 5}}, "s")
    event = webhooks.construct_event(req.body, req.headers, "s")
    assert isinstance(event, webhooks.UnknownWebhookEvent)
    assert event.event == "equipment.rented"
    assert event.data == {"equipment": {"id": 5}}


def test_test_event_with_empty_data() -> None:
    event = webhooks.parse_event(encode_payload(make_event_payload("webhook.test", {}, timestamp=0)))
    assert isinstance(event, webhooks.WebhookTestEvent)
    assert event.timestamp == datetime(1970, 1, 1, tzinfo=timezone.utc)  # epoch ms, not a seconds guess


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b'{"timestamp":1}',
        b'{"event":"project.created","timestamp":1}',  # no data
        b'{"event":"project.created","timestamp":1,"data":[]}',
        b'{"event":"project.created","timestamp":1e300,"data":{}}',
        b'{"event":"project.created","timestamp":%s,"data":{}}' % (b"9" * 400),
        b'{"event":"project.created","timestamp":"yesterday","data":{}}',
        b"[" * 10_000,
        b"\xff",
    ],
)
def test_malformed_bodies_raise_malformed_payload(body: bytes) -> None:
    with pytest.raises(MalformedPayloadError):
        webhooks.parse_event(body)


def test_construct_event_verifies_first() -> None:
    req = signed_request("task.created", {"task": {"id": 1}}, "s")
    with pytest.raises(webhooks.InvalidSignatureError):
        webhooks.construct_event(req.body, req.headers, "other")
    with pytest.raises(MalformedPayloadError):
        webhooks.parse_event(12)  # type: ignore[arg-type]

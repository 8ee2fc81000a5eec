"""The webhook routes of CONTRACT.md through both clients, against respx serving the platform's exact shapes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import respx

from cortexbuild_sdk.types import Webhook, WebhookLog, WebhookTestResult

from .conftest import Runner
from .contract_bodies import WEBHOOK, WEBHOOK_LOG, Case, check_route, equals, is_, ok

CASES = [
    # Webhooks
    Case(
        "webhooks.retrieve",
        lambda c: c.webhooks.retrieve(123),
        "GET",
        "/api/integrations/webhooks/123",
        ok(webhook=WEBHOOK),
        is_(Webhook, events=["project.created", "project.updated"], is_active=True, success_count=4),
    ),
    Case(
        "webhooks.create",
        lambda c: c.webhooks.create(
            name="Project Updates", url="https://myapp.com/webhook", events=["project.created"]
        ),
        "POST",
        "/api/integrations/webhooks",
        ok(webhook={**WEBHOOK, "secret": "whsec-abc"}),
        is_(Webhook, secret="whsec-abc"),
        sent_body={"name": "Project Updates", "url": "https://myapp.com/webhook", "events": ["project.created"]},
    ),
    Case(
        "webhooks.update",
        lambda c: c.webhooks.update(123, name="Renamed", is_active=False),
        "PATCH",
        "/api/integrations/webhooks/123",
        ok(),
        equals(None),
        sent_body={"name": "Renamed", "is_active": False},
    ),
    Case(
        "webhooks.delete",
        lambda c: c.webhooks.delete(123),
        "DELETE",
        "/api/integrations/webhooks/123",
        ok(),
        equals(None),
    ),
    Case(
        "webhooks.test",
        lambda c: c.webhooks.test(123),
        "POST",
        "/api/integrations/webhooks/123/test",
        ok(delivered=False, error="HTTP 500"),
        is_(WebhookTestResult, delivered=False, error="HTTP 500"),
    ),
    Case(
        "webhooks.events",
        lambda c: c.webhooks.events(),
        "GET",
        "/api/integrations/webhooks/events/available",
        ok(events=["project.created", "invoice.paid"]),
        equals(["project.created", "invoice.paid"]),
    ),
    Case(
        "webhooks.secret",
        lambda c: c.webhooks.secret(123),
        "GET",
        "/api/integrations/webhooks/123/secret",
        ok(secret="s3cret"),
        equals("s3cret"),
    ),
    Case(
        "webhooks.rotate_secret",
        lambda c: c.webhooks.rotate_secret(123),
        "POST",
        "/api/integrations/webhooks/123/rotate-secret",
        ok(webhook={**WEBHOOK, "secret": "new"}),
        is_(Webhook, secret="new"),
    ),
    Case(
        "webhooks.retry_delivery",
        lambda c: c.webhooks.retry_delivery(123, 9),
        "POST",
        "/api/integrations/webhooks/123/logs/9/retry",
        ok(log={**WEBHOOK_LOG, "id": 10, "attempt": 2, "delivery_id": "msg_1"}),
        is_(WebhookLog, id=10, attempt=2, delivery_id="msg_1"),
    ),
    Case(
        "webhooks.recover",
        lambda c: c.webhooks.recover(123, since=datetime(2025, 10, 9, tzinfo=timezone.utc)),
        "POST",
        "/api/integrations/webhooks/123/recover",
        ok(requeued=3),
        equals(3),
        sent_body={"since": "2025-10-09T00:00:00+00:00"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    check_route(case, run, api)


def test_unknown_fields_are_kept(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/integrations/webhooks/123").respond(json=ok(webhook={**WEBHOOK, "region": "eu-west"}))
    hook = run(lambda c: c.webhooks.retrieve(123))
    assert hook.model_extra == {"region": "eu-west"}
    assert hook.to_dict()["region"] == "eu-west"


def test_envelope_success_flag_is_not_kept_as_a_field(run: Runner, api: respx.MockRouter) -> None:
    api.post("/api/integrations/webhooks/1/test").respond(json=ok(delivered=True, error=None))
    result = run(lambda c: c.webhooks.test(1))
    assert result.model_extra == {}

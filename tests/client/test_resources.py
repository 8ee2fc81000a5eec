"""Every route of CONTRACT.md through both clients, against respx serving the platform's exact shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import pytest
import respx

from cortexbuild_sdk.types import (
    ActionResult,
    AIRequest,
    AIUsageDay,
    ApiKey,
    ApiKeyWithSecret,
    Integration,
    IntegrationUsage,
    MarketplaceModule,
    OAuthAuthorization,
    OAuthRefresh,
    Plan,
    Provider,
    Review,
    ReviewList,
    Sandbox,
    SandboxWithSecret,
    SyncRun,
    Webhook,
    WebhookLog,
    WebhookTestResult,
    WebhookUsage,
)

from .conftest import Runner
from .contract_bodies import API_KEY, INTEGRATION, REVIEW, SANDBOX, WEBHOOK, WEBHOOK_LOG


@dataclass
class Case:
    id: str
    call: Callable[[Any], Any]
    method: str
    path: str
    response: dict[str, Any]
    check: Callable[[Any], None]
    sent_body: dict[str, Any] | None = None
    sent_query: dict[str, str] = field(default_factory=dict)


def ok(**fields: Any) -> dict[str, Any]:
    return {"success": True, **fields}


def is_(cls: type, **expected: Any) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert type(result) is cls
        for name, value in expected.items():
            assert getattr(result, name) == value, name

    return check


def equals(expected: Any) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert result == expected

    return check


CASES = [
    # Integrations
    Case(
        "integrations.retrieve",
        lambda c: c.integrations.retrieve(12),
        "GET",
        "/api/integrations/12",
        ok(integration=INTEGRATION),
        is_(
            Integration,
            id=12,
            is_active=True,
            has_credentials=True,
            config={"realmId": "9130", "companyName": "My Company"},
            created_at=datetime(2025, 10, 9, 12, tzinfo=timezone.utc),
            updated_at=datetime(2025, 10, 9, 12, 30, tzinfo=timezone.utc),
        ),
    ),
    Case(
        "integrations.create",
        lambda c: c.integrations.create(
            provider="slack", name="Team Slack", credentials={"accessToken": "xoxb-1"}, config={"a": 1}
        ),
        "POST",
        "/api/integrations",
        ok(integration={**INTEGRATION, "provider": "slack"}),
        is_(Integration, provider="slack"),
        sent_body={
            "provider": "slack",
            "name": "Team Slack",
            "credentials": {"accessToken": "xoxb-1"},
            "config": {"a": 1},
        },
    ),
    Case(
        "integrations.update_status",
        lambda c: c.integrations.update_status(12, is_active=False),
        "PATCH",
        "/api/integrations/12/status",
        ok(),
        equals(None),
        sent_body={"is_active": False},
    ),
    Case(
        "integrations.sync",
        lambda c: c.integrations.sync(12),
        "POST",
        "/api/integrations/12/sync",
        ok(message="Sync started", run={"id": 3, "integration_id": 12, "status": "queued", "counts": {"created": 0}}),
        is_(SyncRun, id=3, integration_id=12, status="queued"),
    ),
    Case(
        "integrations.sync (platform without runs)",
        lambda c: c.integrations.sync(12),
        "POST",
        "/api/integrations/12/sync",
        ok(message="Sync started"),
        equals(None),
    ),
    Case(
        "integrations.slack().send_message",
        lambda c: c.integrations.slack(12).send_message(channel="#site", text="Pour at 7"),
        "POST",
        "/api/integrations/12/actions/send_message",
        ok(action="slack.send_message", sent=True, result={"channel": "C1", "ts": "1.2"}),
        is_(ActionResult, action="slack.send_message", sent=True, result={"channel": "C1", "ts": "1.2"}),
        sent_body={"params": {"channel": "#site", "text": "Pour at 7"}},
    ),
    Case(
        "integrations.quickbooks().sync_invoices",
        lambda c: c.integrations.quickbooks(12).sync_invoices(),
        "POST",
        "/api/integrations/12/actions/sync_invoices",
        ok(action="quickbooks.sync_invoices", sent=False, result=None, message="not sent"),
        is_(ActionResult, sent=False, result=None),
        sent_body={"params": {}},
    ),
    Case(
        "integrations.google_drive().upload_document",
        lambda c: c.integrations.google_drive(12).upload_document(7),
        "POST",
        "/api/integrations/12/actions/upload_document",
        ok(action="google_drive.upload_document", sent=True, result={"file_id": "f1"}),
        is_(ActionResult, sent=True),
        sent_body={"params": {"document_id": 7}},
    ),
    Case(
        "integrations.delete", lambda c: c.integrations.delete(12), "DELETE", "/api/integrations/12", ok(), equals(None)
    ),
    Case(
        "integrations.providers",
        lambda c: c.integrations.providers(),
        "GET",
        "/api/integrations/providers/available",
        ok(
            providers=[
                {"id": "slack", "name": "Slack", "requiresOAuth": True},
                {"id": "jira", "name": "Jira", "requiresOAuth": 0},
            ]
        ),
        equals(
            [
                Provider(id="slack", name="Slack", requiresOAuth=True),
                Provider(id="jira", name="Jira", requiresOAuth=False),
            ]
        ),
    ),
    Case(
        "integrations.oauth.authorize",
        lambda c: c.integrations.oauth.authorize("slack", redirect_uri="http://127.0.0.1/cb", name="Team"),
        "GET",
        "/api/integrations/oauth/slack/authorize",
        ok(authorization_url="https://slack.com/oauth/v2/authorize?x=1", state="st8"),
        is_(OAuthAuthorization, state="st8"),
        sent_query={"redirect_uri": "http://127.0.0.1/cb", "name": "Team"},
    ),
    Case(
        "integrations.oauth.callback",
        lambda c: c.integrations.oauth.callback("slack", code="c0de", state="st8"),
        "POST",
        "/api/integrations/oauth/slack/callback",
        ok(integration=INTEGRATION),
        is_(Integration, id=12),
        sent_body={"code": "c0de", "state": "st8"},
    ),
    Case(
        "integrations.oauth.refresh",
        lambda c: c.integrations.oauth.refresh(12),
        "POST",
        "/api/integrations/12/oauth/refresh",
        ok(expires_at=1709876543210),
        is_(OAuthRefresh, expires_at=datetime.fromtimestamp(1709876543.21, tz=timezone.utc)),
    ),
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
    # Keys
    Case(
        "keys.create",
        lambda c: c.keys.create(name="ci", scopes=["webhooks:write"]),
        "POST",
        "/api/sdk/keys",
        ok(key=API_KEY, secret="cbk_live_" + "x" * 43),
        is_(ApiKeyWithSecret, secret="cbk_live_" + "x" * 43, scopes=["webhooks:write", "webhooks:read"]),
        sent_body={"name": "ci", "scopes": ["webhooks:write"], "expires_at": None},
    ),
    Case("keys.retrieve", lambda c: c.keys.retrieve(5), "GET", "/api/sdk/keys/5", ok(key=API_KEY), is_(ApiKey, id=5)),
    Case(
        "keys.update",
        lambda c: c.keys.update(5, expires_at=None),
        "PATCH",
        "/api/sdk/keys/5",
        ok(key={**API_KEY, "expires_at": None}),
        is_(ApiKey, expires_at=None),
        sent_body={"expires_at": None},
    ),
    Case("keys.revoke", lambda c: c.keys.revoke(5), "POST", "/api/sdk/keys/5/revoke", ok(), equals(None)),
    Case(
        "keys.roll",
        lambda c: c.keys.roll(5),
        "POST",
        "/api/sdk/keys/5/roll",
        ok(key=API_KEY, secret="cbk_live_new"),
        is_(ApiKeyWithSecret, secret="cbk_live_new"),
    ),
    # Sandboxes
    Case(
        "sandboxes.create",
        lambda c: c.sandboxes.create(name="Development Sandbox", config={"integrationsEnabled": False}),
        "POST",
        "/api/sdk/sandboxes",
        ok(sandbox=SANDBOX, secret="cbk_test_abc"),
        is_(SandboxWithSecret, secret="cbk_test_abc"),
        sent_body={"name": "Development Sandbox", "config": {"integrationsEnabled": False}},
    ),
    Case(
        "sandboxes.retrieve",
        lambda c: c.sandboxes.retrieve(3),
        "GET",
        "/api/sdk/sandboxes/3",
        ok(sandbox=SANDBOX),
        lambda s: (
            (type(s) is Sandbox and s.config.integrations_enabled is False and s.config.sample_data_enabled)
            or pytest.fail(repr(s))
        ),
    ),
    Case(
        "sandboxes.update",
        lambda c: c.sandboxes.update(3, name="Renamed"),
        "PATCH",
        "/api/sdk/sandboxes/3",
        ok(sandbox={**SANDBOX, "name": "Renamed"}),
        is_(Sandbox, name="Renamed"),
        sent_body={"name": "Renamed"},
    ),
    Case("sandboxes.delete", lambda c: c.sandboxes.delete(3), "DELETE", "/api/sdk/sandboxes/3", ok(), equals(None)),
    Case(
        "sandboxes.reset",
        lambda c: c.sandboxes.reset(3),
        "POST",
        "/api/sdk/sandboxes/3/reset",
        ok(sandbox=SANDBOX),
        is_(Sandbox, id=3),
    ),
    # Plan, usage, marketplace
    Case(
        "plan.retrieve",
        lambda c: c.plan.retrieve(),
        "GET",
        "/api/sdk/plan",
        ok(
            plan={
                "tier": "free",
                "limits": {"webhooks": 5, "sandboxes": 1, "ai_requests_per_month": 10},
                "usage": {"webhooks": 2},
            }
        ),
        is_(Plan, tier="free", usage={"webhooks": 2}),
    ),
    Case(
        "usage.ai",
        lambda c: c.usage.ai(days=7),
        "GET",
        "/api/sdk/usage/ai",
        ok(usage=[{"date": "2025-10-09", "requests": 3, "tokens": 1200, "cost": 0.024}]),
        equals([AIUsageDay(date=date(2025, 10, 9), requests=3, tokens=1200, cost=0.024)]),
        sent_query={"days": "7"},
    ),
    Case(
        "usage.record_ai_request",
        lambda c: c.usage.record_ai_request(model="gpt-x", total_tokens=30, estimated_cost=0.01),
        "POST",
        "/api/sdk/usage/ai",
        ok(
            request={
                "id": 1,
                "model": "gpt-x",
                "total_tokens": 30,
                "estimated_cost": 0.01,
                "created_at": "2025-10-09 12:00:00",
            }
        ),
        is_(AIRequest, total_tokens=30),
        sent_body={"model": "gpt-x", "total_tokens": 30, "estimated_cost": 0.01},
    ),
    Case(
        "usage.integrations",
        lambda c: c.usage.integrations(),
        "GET",
        "/api/sdk/usage/integrations",
        ok(usage=[{"provider": "slack", "syncs": 2, "last_sync": "2025-10-09 12:00:00", "success_rate": 0.5}]),
        lambda r: (
            (
                r[0]
                == IntegrationUsage(
                    provider="slack",
                    syncs=2,
                    last_sync=datetime(2025, 10, 9, 12, tzinfo=timezone.utc),
                    success_rate=0.5,
                )
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "usage.webhooks",
        lambda c: c.usage.webhooks(),
        "GET",
        "/api/sdk/usage/webhooks",
        ok(usage=[{"name": "Hook", "success_count": 3, "failure_count": 1, "success_rate": 75.0}]),
        equals([WebhookUsage(name="Hook", success_count=3, failure_count=1, success_rate=75.0)]),
    ),
    Case(
        "marketplace.reviews.list",
        lambda c: c.marketplace.reviews.list(4),
        "GET",
        "/api/sdk/marketplace/modules/4/reviews",
        ok(reviews=[REVIEW], average_rating=5, count=1),
        lambda r: (type(r) is ReviewList and r.count == 1 and r.reviews[0].rating == 5) or pytest.fail(repr(r)),
    ),
    Case(
        "marketplace.reviews.create",
        lambda c: c.marketplace.reviews.create(4, rating=5, review="Great"),
        "POST",
        "/api/sdk/marketplace/modules/4/reviews",
        ok(review=REVIEW),
        is_(Review, rating=5),
        sent_body={"rating": 5, "review": "Great"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    route = api.route(method=case.method, path=case.path).respond(json=case.response)
    case.check(run(case.call))
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer cbk_test_unit"
    if case.sent_body is not None:
        assert json.loads(request.content) == case.sent_body
    for name, value in case.sent_query.items():
        assert request.url.params[name] == value


LISTS = [
    (
        "integrations.list",
        lambda c: c.integrations.list(),
        "/api/integrations/list",
        "integrations",
        INTEGRATION,
        Integration,
    ),
    ("webhooks.list", lambda c: c.webhooks.list(), "/api/integrations/webhooks/list", "webhooks", WEBHOOK, Webhook),
    (
        "webhooks.logs",
        lambda c: c.webhooks.logs(123),
        "/api/integrations/webhooks/123/logs",
        "logs",
        WEBHOOK_LOG,
        WebhookLog,
    ),
    ("keys.list", lambda c: c.keys.list(), "/api/sdk/keys", "keys", API_KEY, ApiKey),
    ("sandboxes.list", lambda c: c.sandboxes.list(), "/api/sdk/sandboxes", "sandboxes", SANDBOX, Sandbox),
    (
        "marketplace.modules.list",
        lambda c: c.marketplace.modules.list(),
        "/api/sdk/marketplace/modules",
        "modules",
        {"id": 4, "name": "Punch List Pro", "price": 0},
        MarketplaceModule,
    ),
]


@pytest.mark.parametrize(("name", "call", "path", "key", "item", "model"), LISTS, ids=[entry[0] for entry in LISTS])
def test_list_whole_as_the_platform_sends_it(
    name: str, call: Any, path: str, key: str, item: dict[str, Any], model: type, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(path).respond(json=ok(**{key: [item, {**item, "id": 99}]}))
    items = run.collect(call)
    assert [type(i) for i in items] == [model, model]
    assert [i.id for i in items] == [item["id"], 99]
    assert route.call_count == 1  # no next_cursor: one request, then iteration ends


@pytest.mark.parametrize(("name", "call", "path", "key", "item", "model"), LISTS, ids=[entry[0] for entry in LISTS])
def test_list_follows_cursors_across_pages(
    name: str, call: Any, path: str, key: str, item: dict[str, Any], model: type, run: Runner, api: respx.MockRouter
) -> None:
    pages = {
        None: ok(**{key: [{**item, "id": 1}]}, next_cursor="c1"),
        "c1": ok(**{key: [{**item, "id": 2}, {**item, "id": 3}]}, next_cursor="c2"),
        "c2": ok(**{key: []}, next_cursor=None),
    }

    def respond(request: Any) -> Any:
        import httpx

        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    route = api.get(path).mock(side_effect=respond)
    assert [i.id for i in run.collect(call)] == [1, 2, 3]
    assert route.call_count == 3


def test_logs_sends_the_seed_default_limit(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/integrations/webhooks/5/logs").respond(json=ok(logs=[]))
    assert run.collect(lambda c: c.webhooks.logs(5)) == []
    assert route.calls.last.request.url.params["limit"] == "50"


def test_unknown_fields_are_kept(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/integrations/webhooks/123").respond(json=ok(webhook={**WEBHOOK, "region": "eu-west"}))
    hook = run(lambda c: c.webhooks.retrieve(123))
    assert hook.model_extra == {"region": "eu-west"}
    assert hook.to_dict()["region"] == "eu-west"


def test_envelope_success_flag_is_not_kept_as_a_field(run: Runner, api: respx.MockRouter) -> None:
    api.post("/api/integrations/webhooks/1/test").respond(json=ok(delivered=True, error=None))
    result = run(lambda c: c.webhooks.test(1))
    assert result.model_extra == {}

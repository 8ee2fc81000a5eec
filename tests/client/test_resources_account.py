"""The /api/sdk routes of CONTRACT.md (keys, sandboxes, plan, usage, marketplace) through both clients."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import respx

from cortexbuild_sdk.types import (
    AIRequest,
    AIUsageDay,
    ApiKey,
    ApiKeyWithSecret,
    IntegrationUsage,
    Plan,
    Review,
    ReviewList,
    Sandbox,
    SandboxWithSecret,
    WebhookUsage,
)

from .conftest import Runner
from .contract_bodies import API_KEY, REVIEW, SANDBOX, Case, check_route, equals, is_, ok

CASES = [
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
    check_route(case, run, api)

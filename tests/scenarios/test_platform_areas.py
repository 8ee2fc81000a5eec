"""Integrations, sandboxes, plans, usage and marketplace scenarios, on every target."""

from __future__ import annotations

from typing import Any

import pytest

from cortexbuild_sdk import APIStatusError, ConflictError, NotFoundError, PermissionDeniedError
from cortexbuild_sdk.types import Integration, SandboxWithSecret, SyncRun

from .conftest import Target

STRIPE = {"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"}


def test_provider_catalogue(client: Any) -> None:
    providers = {p.id: p for p in client.integrations.providers()}
    assert set(providers) == {
        "quickbooks", "slack", "google_drive", "dropbox", "xero", "stripe", "mailchimp", "zapier", "github", "jira",
    }  # fmt: skip
    assert {p for p, v in providers.items() if v.requires_oauth} == {"quickbooks", "slack", "google_drive", "dropbox"}


def test_integration_lifecycle(client: Any) -> None:
    created = client.integrations.create(provider="stripe", name="Payments", credentials=STRIPE, config={"a": 1})
    assert isinstance(created, Integration)
    assert created.has_credentials is True
    assert created.config == {"a": 1}
    assert "credentials" not in created.to_dict()
    assert client.integrations.retrieve(created.id).provider == "stripe"
    assert [i.id for i in client.integrations.list()] == [created.id]

    run = client.integrations.sync(created.id)
    assert isinstance(run, SyncRun) and run.integration_id == created.id and run.status in ("queued", "running")
    client.integrations.update_status(created.id, is_active=False)
    assert client.integrations.retrieve(created.id).is_active is False
    with pytest.raises(ConflictError):  # an inactive integration does not sync
        client.integrations.sync(created.id)

    client.integrations.delete(created.id)
    with pytest.raises(NotFoundError):
        client.integrations.retrieve(created.id)


def test_unknown_provider_is_refused(client: Any) -> None:
    with pytest.raises(APIStatusError) as info:
        client.integrations.create(provider="myspace", name="n", credentials={})
    assert info.value.status_code in (400, 422)
    assert list(client.integrations.list()) == []


def test_free_tier_allows_three_active_integrations(client: Any) -> None:
    for i in range(3):
        client.integrations.create(provider="stripe", name=f"Stripe {i}", credentials=STRIPE)
    with pytest.raises(PermissionDeniedError) as info:
        client.integrations.create(provider="stripe", name="Stripe 4", credentials=STRIPE)
    assert info.value.code == "plan_limit_exceeded"
    assert "free" in info.value.message
    assert len(list(client.integrations.list())) == 3
    plan = client.plan.retrieve()
    assert plan.tier == "free"


def test_sandbox_isolation_and_reset(target: Target, client: Any) -> None:
    live_hook = client.webhooks.create(name="Live", url="https://myapp.example/live", events=["*"])
    sandbox = client.sandboxes.create(name="Development Sandbox", description="For testing new features")
    assert isinstance(sandbox, SandboxWithSecret)
    assert sandbox.secret.startswith("cbk_test_")
    assert [s.id for s in client.sandboxes.list()] == [sandbox.id]

    inside = target.client(api_key=sandbox.secret)
    assert list(inside.webhooks.list()) == []  # cannot see live data
    with pytest.raises(NotFoundError):
        inside.webhooks.retrieve(live_hook.id)
    inside.webhooks.create(name="Sandboxed", url="https://myapp.example/sb", events=["*"])
    assert len(list(inside.webhooks.list())) == 1
    assert [h.id for h in client.webhooks.list()] == [live_hook.id]

    reset = client.sandboxes.reset(sandbox.id)
    assert reset.id == sandbox.id
    assert list(inside.webhooks.list()) == []

    client.sandboxes.delete(sandbox.id)
    with pytest.raises(NotFoundError):
        client.sandboxes.retrieve(sandbox.id)


def test_free_tier_allows_one_sandbox(client: Any) -> None:
    client.sandboxes.create(name="One")
    with pytest.raises(PermissionDeniedError) as info:
        client.sandboxes.create(name="Two")
    assert info.value.code == "plan_limit_exceeded"


def test_ai_usage_is_recorded_and_reported(client: Any) -> None:
    recorded = client.usage.record_ai_request(model="gpt-4o-mini", total_tokens=1200, estimated_cost=0.024)
    assert recorded.total_tokens == 1200
    days = client.usage.ai(days=30)
    assert sum(day.requests for day in days) == 1
    assert sum(day.tokens for day in days) == 1200
    assert isinstance(client.usage.integrations(), list)
    client.webhooks.create(name="Hook", url="https://myapp.example/h", events=["*"])
    assert [row.name for row in client.usage.webhooks()] == ["Hook"]


def test_marketplace_reviews(client: Any, target: Any) -> None:
    target.backend.set_tier("starter")  # reviews need marketplace access (Starter and up)
    modules = list(client.marketplace.modules.list())
    assert modules
    module_id = modules[0].id
    first = client.marketplace.reviews.create(module_id, rating=4, review="Solid")
    second = client.marketplace.reviews.create(module_id, rating=2, review="Changed my mind")
    assert first.id == second.id  # one review per user per module
    listing = client.marketplace.reviews.list(module_id)
    assert listing.count == 1
    assert listing.average_rating == 2
    with pytest.raises(APIStatusError) as info:
        client.marketplace.reviews.create(module_id, rating=6)
    assert info.value.status_code in (400, 422)

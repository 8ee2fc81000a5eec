"""Response bodies shaped exactly as CONTRACT.md says the platform sends them, loose types included, and the
route case the resource tests serve them through (``Case``, checked by ``check_route``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import respx

from .conftest import Runner

# The platform serialises straight from SQLite: 0/1 booleans, JSON columns as strings, SQLite timestamps.
INTEGRATION: dict[str, Any] = {
    "id": 12,
    "user_id": "user-1",
    "company_id": "company-1",
    "provider": "quickbooks",
    "name": "My QuickBooks",
    "config": '{"realmId": "9130", "companyName": "My Company"}',
    "is_active": 1,
    "last_sync_at": None,
    "sync_status": "idle",
    "hasCredentials": 1,
    "created_at": "2025-10-09 12:00:00",
    "updated_at": "2025-10-09T12:30:00.000Z",
}

WEBHOOK: dict[str, Any] = {
    "id": 123,
    "user_id": "user-1",
    "company_id": "company-1",
    "name": "Project Updates",
    "url": "https://myapp.com/webhook",
    "events": '["project.created", "project.updated"]',
    "is_active": 1,
    "success_count": 4,
    "failure_count": 1,
    "last_triggered_at": 1709876543210,
    "created_at": "2025-10-09 12:00:00",
    "updated_at": "2025-10-09 12:00:00",
}

WEBHOOK_LOG: dict[str, Any] = {
    "id": 9,
    "webhook_id": 123,
    "event_type": "project.created",
    "payload": '{"event": "project.created", "timestamp": 1709876543210, "data": {"project": {"id": 1}}}',
    "response_status": 200,
    "response_body": "ok",
    "error_message": None,
    "delivered_at": "2025-10-09 12:00:01",
}

API_KEY: dict[str, Any] = {
    "id": 5,
    "user_id": "user-1",
    "name": "ci",
    "key_prefix": "cbk_live_Ab12",
    "scopes": '["webhooks:write", "webhooks:read"]',
    "is_active": 1,
    "last_used_at": None,
    "expires_at": "2026-01-01T00:00:00Z",
    "created_at": "2025-10-09 12:00:00",
}

SANDBOX: dict[str, Any] = {
    "id": 3,
    "user_id": "user-1",
    "name": "Development Sandbox",
    "description": "For testing new features",
    "config": '{"sampleDataEnabled": true, "webhooksEnabled": true, "integrationsEnabled": false}',
    "is_active": 1,
    "created_at": "2025-10-09 12:00:00",
    "updated_at": "2025-10-09 12:00:00",
}

REVIEW: dict[str, Any] = {
    "id": 1,
    "module_id": 4,
    "user_id": "user-1",
    "rating": 5,
    "review": "Great",
    "created_at": "2025-10-09 12:00:00",
}

# The route the engine tests call (``webhooks.retrieve(123)``) and its answer.
OK = {"success": True, "webhook": WEBHOOK}
HOOK_PATH = "/api/integrations/webhooks/123"


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


def check_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    """Serve the case's response on its route, make its call on ``run``'s client, check result and request."""
    route = api.route(method=case.method, path=case.path).respond(json=case.response)
    case.check(run(case.call))
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer cbk_test_unit"
    if case.sent_body is not None:
        assert json.loads(request.content) == case.sent_body
    for name, value in case.sent_query.items():
        assert request.url.params[name] == value

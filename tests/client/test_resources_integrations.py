"""The integration routes of CONTRACT.md (CRUD, sync, provider actions, OAuth) through both clients, against respx."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import respx

from cortexbuild_sdk.types import ActionResult, Integration, OAuthAuthorization, OAuthRefresh, Provider, SyncRun

from .conftest import Runner
from .contract_bodies import INTEGRATION, Case, check_route, equals, is_, ok

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
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    check_route(case, run, api)

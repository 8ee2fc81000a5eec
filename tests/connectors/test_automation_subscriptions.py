"""Publishing an event reads only the integrations whose automations name it (``automation_subscriptions``,
kept by triggers in the transaction of every write to ``integrations``), not every integration of the account."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.auth import authenticate
from cortexbuild_sdk.local.providers import PROVIDERS
from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.schema_connectors import v_automation_subscriptions
from cortexbuild_sdk.local.services.automations import SUBSCRIBED_SQL
from cortexbuild_sdk.local.services.events import publish

from .conftest import HOST

SEND = {"action": "slack.send_message", "params": {"channel": "#site"}}


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with Backend(tmp_path / "store.db", provider_urls=dict.fromkeys(PROVIDERS, HOST)) as b:
        yield b


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend) as c:
        yield c


def _slack(client: CortexBuild, *events: str) -> int:
    automations = [{"event": event, **SEND} for event in events]
    return client.integrations.create(
        provider="slack", name="Site", credentials={"accessToken": "xoxb-1"}, config={"automations": automations}
    ).id


def _subscriptions(backend: Backend) -> set[tuple[str, int]]:
    with backend.db.read() as conn:
        return {(e, i) for e, i in conn.execute("SELECT event, integration_id FROM automation_subscriptions")}


def _jobs_for(backend: Backend, event: str, data: dict[str, Any]) -> list[int]:
    ctx = authenticate(backend._rt, f"Bearer {backend.owner_api_key}")
    with ctx.env.db.write() as conn:
        event_id = publish(ctx, conn, event, data)
        rows = conn.execute("SELECT integration_id FROM automation_jobs WHERE event_id = ?", (event_id,))
        jobs = sorted(r[0] for r in rows)
        conn.execute("DELETE FROM automation_jobs")  # nothing is run: only what was enqueued matters here
    return jobs


def test_subscriptions_follow_every_write_to_integrations(client: CortexBuild, backend: Backend) -> None:
    a = _slack(client, "rfi.created", "task.created", "rfi.created")  # a repeated event is one subscription
    b = _slack(client, "task.created")
    assert _subscriptions(backend) == {("rfi.created", a), ("task.created", a), ("task.created", b)}
    client.integrations.update(a, config={"automations": [{"event": "invoice.paid", **SEND}]})
    assert _subscriptions(backend) == {("invoice.paid", a), ("task.created", b)}
    client.integrations.update(b, config={})
    client.integrations.delete(a)
    assert _subscriptions(backend) == set()


def test_a_config_that_is_not_json_subscribes_nothing_and_never_fails_the_write(backend: Backend) -> None:
    with backend.db.write() as conn:
        for config in ("not json", '{"automations": {"event": "rfi.created"}}', '{"automations": [1, {"event": 2}]}'):
            conn.execute(
                "INSERT INTO integrations (account_id, user_id, company_id, provider, name, config, created_at,"
                " updated_at) VALUES (1, 'u', 'c', 'slack', 'odd', ?, 0, 0)",
                (config,),
            )
    assert _subscriptions(backend) == set()


def test_publishing_enqueues_for_subscribers_only(client: CortexBuild, backend: Backend) -> None:
    subscribed = _slack(client, "rfi.created")
    other = _slack(client, "task.created")
    paused = _slack(client, "rfi.created")
    client.integrations.update_status(paused, is_active=False)
    assert _jobs_for(backend, "rfi.created", {"rfi": {"id": 1, "subject": "Beam"}}) == [subscribed]
    assert _jobs_for(backend, "task.created", {"task": {"id": 1, "title": "Pour"}}) == [other]
    assert _jobs_for(backend, "invoice.paid", {"invoice": {"id": 1}}) == []


def test_the_subscriber_query_seeks_and_never_scans_the_accounts_integrations(backend: Backend) -> None:
    with backend.db.read() as conn:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {SUBSCRIBED_SQL}", (1, "rfi.created"))]
    assert any("SEARCH s USING PRIMARY KEY (account_id=? AND event=?)" in step for step in plan), plan
    assert any("SEARCH i USING INTEGER PRIMARY KEY (rowid=?)" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan


def test_the_migration_backfills_an_existing_store(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Backend(path) as backend, CortexBuild.local(backend=backend) as client:
        iid = _slack(client, "rfi.created", "document.uploaded")
    conn = sqlite3.connect(path)  # the store as it was before the migration: no table, no triggers
    with conn:
        conn.execute("DROP TABLE automation_subscriptions")
        conn.execute("DROP TRIGGER automation_subscriptions_insert")
        conn.execute("DROP TRIGGER automation_subscriptions_update")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(v_automation_subscriptions)}")  # later ones rerun
    conn.close()
    with Backend(path) as backend:
        assert _subscriptions(backend) == {("rfi.created", iid), ("document.uploaded", iid)}

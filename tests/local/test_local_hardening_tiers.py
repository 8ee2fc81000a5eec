"""Issue 9: usage counters kept in the change's transaction (plan.retrieve is O(1)), default paging on every
cursor list, wording of limit errors, marketplace reviews from Starter, and nonsense from a token endpoint."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from helpers_local import WEBHOOK, err, ok

from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.routes.bodies import DEFAULT_PAGE_SIZE
from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.store import Database

HOOKS = "/api/integrations/webhooks"


def _client(backend: Backend, key: str | None = None) -> httpx.Client:
    return httpx.Client(
        transport=backend.transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {key or backend.owner_api_key}"},
    )


# ---- usage counters -----------------------------------------------------------------------------------------


def test_plan_usage_reads_counters_not_counts(backend: Backend, client: httpx.Client) -> None:
    statements: list[str] = []
    hooks = [ok(client.post(HOOKS, json=WEBHOOK))["webhook"] for _ in range(3)]
    ok(client.post("/api/sdk/usage/ai", json={"model": "m"}))
    integ = ok(
        client.post(
            "/api/integrations", json={"provider": "stripe", "name": "s", "credentials": {"apiKey": "sk_test_k"}}
        )
    )
    ok(client.post("/api/sdk/sandboxes", json={"name": "sb"}))
    ok(client.delete(f"{HOOKS}/{hooks[0]['id']}"))
    ok(client.patch(f"/api/integrations/{integ['integration']['id']}/status", json={"is_active": False}))
    backend.db.connection().set_trace_callback(statements.append)
    try:
        usage = ok(client.get("/api/sdk/plan"))["plan"]["usage"]
    finally:
        backend.db.connection().set_trace_callback(None)
    assert usage == {"ai_requests_per_month": 1, "active_integrations": 0, "webhooks": 2, "sandboxes": 1}
    assert not [s for s in statements if "COUNT(" in s.upper()], statements


def test_counters_follow_every_change_and_the_month(clock: ManualClock) -> None:
    with Backend(clock=clock, tier="starter") as backend, _client(backend) as c:
        for _ in range(2):
            ok(c.post("/api/sdk/usage/ai", json={"model": "m"}))
        sb = ok(c.post("/api/sdk/sandboxes", json={"name": "a"}))["sandbox"]
        ok(c.patch(f"/api/sdk/sandboxes/{sb['id']}", json={"is_active": False}))
        ok(c.post("/api/sdk/sandboxes", json={"name": "b"}))
        assert ok(c.get("/api/sdk/plan"))["plan"]["usage"]["sandboxes"] == 1
        ok(c.delete(f"/api/sdk/sandboxes/{sb['id']}"))
        assert ok(c.get("/api/sdk/plan"))["plan"]["usage"] == {
            "ai_requests_per_month": 2, "active_integrations": 0, "webhooks": 0, "sandboxes": 1
        }  # fmt: skip
        clock.advance(40 * 86400)  # a new month: the AI quota starts over
        assert ok(c.get("/api/sdk/plan"))["plan"]["usage"]["ai_requests_per_month"] == 0


def test_migration_backfills_counters_from_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path, migrations=MIGRATIONS[:-1])  # a store from before the counters
    with db.write() as conn:
        conn.execute(
            "INSERT INTO accounts (user_id, company_id, company_name, tier, created_at)"
            " VALUES ('u', 'c', 'C', 'free', 0)"
        )
        for _ in range(4):
            conn.execute(
                "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at,"
                " updated_at) VALUES (1, 'u', 'c', 'h', 'https://x.example', '[]', 's', 0, 0)"
            )
    db.migrate(MIGRATIONS)
    with db.read() as conn:
        row = conn.execute("SELECT value FROM usage_counters WHERE account_id = 1 AND metric = 'webhooks'").fetchone()
    db.close()
    assert row[0] == 4


# ---- default paging -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [f"{HOOKS}/list", "/api/sdk/keys"])
def test_cursor_lists_page_by_default(clock: ManualClock, route: str) -> None:
    with Backend(clock=clock, tier="enterprise") as backend, _client(backend) as c:
        now = backend.clock.now()
        with backend.db.write() as conn:
            conn.executemany(
                "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at,"
                " updated_at) SELECT id, user_id, company_id, 'h', 'https://x.example', '[\"*\"]', 's', ?, ?"
                " FROM accounts",
                [(int(now * 1000), int(now * 1000))] * (DEFAULT_PAGE_SIZE + 5),
            )
            conn.executemany(
                "INSERT INTO api_keys (account_id, user_id, name, key_hash, key_prefix, scopes, created_at, updated_at)"
                " SELECT id, user_id, 'k', ?, 'cbk_', '[]', 0, 0 FROM accounts",
                [(f"h{i}",) for i in range(DEFAULT_PAGE_SIZE + 5)],
            )
        first = ok(c.get(route))
        items = next(v for k, v in first.items() if isinstance(v, list))
        assert len(items) == DEFAULT_PAGE_SIZE and first["next_cursor"]
        rest = ok(c.get(route, params={"cursor": first["next_cursor"]}))
        assert rest["next_cursor"] is None


def test_the_client_still_iterates_every_webhook(clock: ManualClock) -> None:
    from cortexbuild_sdk import CortexBuild

    with Backend(clock=clock, tier="enterprise") as backend:
        with backend.db.write() as conn:
            conn.executemany(
                "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at,"
                " updated_at) SELECT id, user_id, company_id, 'h', 'https://x.example', '[\"*\"]', 's', 0, 0"
                " FROM accounts",
                [()] * (2 * DEFAULT_PAGE_SIZE + 3),
            )
        client = CortexBuild(
            api_key=backend.owner_api_key,
            base_url="http://local",
            http_client=httpx.Client(transport=backend.transport(), base_url="http://local"),
        )
        assert len(list(client.webhooks.list())) == 2 * DEFAULT_PAGE_SIZE + 3
        client.close()


# ---- wording and tiers --------------------------------------------------------------------------------------


def test_limit_messages_are_plural_correct_and_say_what_to_do(client: httpx.Client) -> None:
    ok(client.post("/api/sdk/sandboxes", json={"name": "one"}))
    body = err(client.post("/api/sdk/sandboxes", json={"name": "two"}), 403, "plan_limit_exceeded")
    assert "allows 1 sandbox;" in body["error"] and "1 sandboxes" not in body["error"]
    assert "upgrade" in body["error"].lower() and "delete" in body["error"].lower()
    for _ in range(10):
        ok(client.post("/api/sdk/usage/ai", json={"model": "m"}))
    body = err(client.post("/api/sdk/usage/ai", json={"model": "m"}), 403, "plan_limit_exceeded")
    assert "free one up" not in body["error"]
    assert "2025-11-01" in body["error"] and "upgrade" in body["error"].lower()
    assert body["details"]["resets_at"].startswith("2025-11-01T00:00:00")


def test_no_pydantic_internals_in_messages(client: httpx.Client) -> None:
    for response in (
        client.post(HOOKS, json={**WEBHOOK, "events": ["nope"]}),
        client.post(HOOKS, json={**WEBHOOK, "url": "ftp://x"}),
        client.post("/api/sdk/keys", json={"name": "k", "scopes": ["nope"]}),
    ):
        body = err(response, 400, "validation_error")
        text = body["error"] + repr(body.get("details"))
        assert "Value error" not in text and "Assertion failed" not in text, text


def test_marketplace_reviews_need_starter(clock: ManualClock) -> None:
    with Backend(clock=clock) as backend, _client(backend) as c:  # free
        ok(c.get("/api/sdk/marketplace/modules"))
        ok(c.get("/api/sdk/marketplace/modules/1/reviews"))
        body = err(c.post("/api/sdk/marketplace/modules/1/reviews", json={"rating": 5}), 403, "tier_required")
        assert "Starter" in body["error"] and "free" in body["error"]
        assert ok(c.get("/api/sdk/marketplace/modules/1/reviews"))["count"] == 0
        backend.set_tier("starter")
        ok(c.post("/api/sdk/marketplace/modules/1/reviews", json={"rating": 5}))


# ---- a token endpoint answering nonsense --------------------------------------------------------------------


@pytest.mark.parametrize("expires_in", ["nan", "inf", 1e300, -5, "-1", 0, "soon", [1], 10**30])
@respx.mock
def test_nonsense_expires_in_is_a_502_oauth_error(clock: ManualClock, expires_in: Any) -> None:
    token_url = "https://oauth.example/token"
    respx.post(token_url).mock(
        return_value=httpx.Response(200, json={"access_token": "at", "refresh_token": "rt", "expires_in": expires_in})
    )
    oauth = {"dropbox": {"client_id": "cid", "client_secret": "cs", "token_url": token_url}}
    with Backend(clock=clock, oauth=oauth) as backend, _client(backend) as c:
        auth = ok(c.get("/api/integrations/oauth/dropbox/authorize", params={"redirect_uri": "http://localhost/cb"}))
        body = err(
            c.post("/api/integrations/oauth/dropbox/callback", json={"code": "c", "state": auth["state"]}),
            502,
            "oauth_error",
        )
        assert "expires_in" in body["error"]
        assert ok(c.get("/api/integrations/list"))["integrations"] == []


@respx.mock
def test_deeply_nested_token_answer_is_a_502(clock: ManualClock) -> None:
    token_url = "https://oauth.example/token"
    respx.post(token_url).mock(return_value=httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000))
    oauth = {"dropbox": {"client_id": "cid", "client_secret": "cs", "token_url": token_url}}
    with Backend(clock=clock, oauth=oauth) as backend, _client(backend) as c:
        auth = ok(c.get("/api/integrations/oauth/dropbox/authorize", params={"redirect_uri": "http://localhost/cb"}))
        err(
            c.post("/api/integrations/oauth/dropbox/callback", json={"code": "c", "state": auth["state"]}),
            502,
            "oauth_error",
        )


def test_sqlite_is_new_enough_for_upsert_triggers() -> None:
    assert sqlite3.sqlite_version_info >= (3, 24, 0)


def test_counter_lookup_is_a_primary_key_search(backend: Backend) -> None:
    with backend.db.read() as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT value FROM usage_counters WHERE account_id = ? AND metric = ? AND period = ?",
            (1, "webhooks", ""),
        ).fetchall()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "SEARCH usage_counters USING PRIMARY KEY" in detail, detail


@respx.mock
def test_token_answer_with_a_lone_surrogate_is_a_502(clock: ManualClock) -> None:
    token_url = "https://oauth.example/token"
    respx.post(token_url).mock(
        return_value=httpx.Response(200, content=b'{"access_token": "at", "scope": "files \\ud800", "expires_in": 60}')
    )
    oauth = {"dropbox": {"client_id": "cid", "client_secret": "cs", "token_url": token_url}}
    with Backend(clock=clock, oauth=oauth) as backend, _client(backend) as c:
        auth = ok(c.get("/api/integrations/oauth/dropbox/authorize", params={"redirect_uri": "http://localhost/cb"}))
        callback = {"code": "c", "state": auth["state"]}
        err(c.post("/api/integrations/oauth/dropbox/callback", json=callback), 502, "oauth_error")
        assert ok(c.get("/api/integrations/list"))["integrations"] == []


@pytest.mark.parametrize("table", ["webhooks", "api_keys", "integrations", "sandbox_environments"])
def test_a_list_page_is_an_index_range_not_a_sort(backend: Backend, table: str) -> None:
    with backend.db.read() as conn:
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (1, 10, DEFAULT_PAGE_SIZE + 1),
        ).fetchall()
    detail = " ".join(str(row[-1]) for row in plan)
    assert f"SEARCH {table} USING INDEX" in detail and "TEMP B-TREE" not in detail, detail

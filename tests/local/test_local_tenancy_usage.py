"""Tenancy across accounts; AI usage quota and reports; marketplace reviews; plan route; async transport."""

from __future__ import annotations

import httpx
from helpers_local import WEBHOOK, ClientFactory, err, ok

from cortexbuild_sdk.local import Backend, ManualClock

AI = {
    "model": "gpt-4o-mini",
    "provider": "openai",
    "prompt_tokens": 100,
    "completion_tokens": 50,
    "estimated_cost": 0.002,
}


def test_other_accounts_ids_answer_404(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    other = make_client(backend.create_account(company_name="Other Co").owner_api_key)
    hook = ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]
    integ = ok(
        client.post("/api/integrations", json={"provider": "github", "name": "g", "credentials": {"token": "ghp_x"}})
    )["integration"]
    key = ok(client.post("/api/sdk/keys", json={"name": "k", "scopes": ["usage:read"]}))["key"]
    sandbox = ok(client.post("/api/sdk/sandboxes", json={"name": "s"}))["sandbox"]
    for path in (
        f"/api/integrations/webhooks/{hook['id']}",
        f"/api/integrations/webhooks/{hook['id']}/secret",
        f"/api/integrations/webhooks/{hook['id']}/logs",
        f"/api/integrations/{integ['id']}",
        f"/api/sdk/keys/{key['id']}",
        f"/api/sdk/sandboxes/{sandbox['id']}",
    ):
        err(other.get(path), 404, "not_found")
    err(other.delete(f"/api/integrations/webhooks/{hook['id']}"), 404, "not_found")
    err(other.patch(f"/api/integrations/{integ['id']}/status", json={"is_active": False}), 404, "not_found")
    err(other.post(f"/api/sdk/keys/{key['id']}/revoke"), 404, "not_found")
    err(other.post(f"/api/sdk/sandboxes/{sandbox['id']}/reset"), 404, "not_found")
    assert ok(other.get("/api/integrations/webhooks/list"))["webhooks"] == []
    assert len(ok(other.get("/api/sdk/keys"))["keys"]) == 1
    assert ok(client.get(f"/api/integrations/webhooks/{hook['id']}"))["webhook"]["is_active"] is True


def test_ai_quota_and_report(client: httpx.Client, clock: ManualClock) -> None:
    for _ in range(10):
        ok(client.post("/api/sdk/usage/ai", json=AI))
    body = err(client.post("/api/sdk/usage/ai", json=AI), 403, "plan_limit_exceeded")
    assert body["details"]["limit"] == "ai_requests_per_month"
    report = ok(client.get("/api/sdk/usage/ai", params={"days": 7}))["usage"]
    assert report == [{"date": "2025-10-09", "requests": 10, "tokens": 1500, "cost": 0.02}]
    plan = ok(client.get("/api/sdk/plan"))["plan"]
    assert plan["tier"] == "free" and plan["usage"]["ai_requests_per_month"] == 10
    clock.advance(30 * 86400)  # November: a fresh month
    ok(client.post("/api/sdk/usage/ai", json=AI))
    assert [d["date"] for d in ok(client.get("/api/sdk/usage/ai", params={"days": 60}))["usage"]] == [
        "2025-11-08",
        "2025-10-09",
    ]
    assert ok(client.get("/api/sdk/usage/ai", params={"days": 7}))["usage"][0]["requests"] == 1


def test_webhook_report(client: httpx.Client, backend: Backend) -> None:
    a = ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]["id"]
    b = ok(client.post("/api/integrations/webhooks", json={**WEBHOOK, "name": "b"}))["webhook"]["id"]
    with backend.db.write() as conn:
        conn.execute("UPDATE webhooks SET success_count = 3, failure_count = 1 WHERE id = ?", (b,))
    assert ok(client.get("/api/sdk/usage/webhooks"))["usage"] == [
        {"id": b, "name": "b", "success_count": 3, "failure_count": 1, "success_rate": 75.0},
        {"id": a, "name": WEBHOOK["name"], "success_count": 0, "failure_count": 0, "success_rate": None},
    ]


def test_reviews_one_per_user(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    modules = ok(client.get("/api/sdk/marketplace/modules"))["modules"]
    assert len(modules) >= 5 and modules[0]["review_count"] == 0
    mid = modules[0]["id"]
    backend.set_tier("starter")  # reviews need marketplace access (Starter and up)
    ok(client.post(f"/api/sdk/marketplace/modules/{mid}/reviews", json={"rating": 2, "review": "meh"}))
    ok(client.post(f"/api/sdk/marketplace/modules/{mid}/reviews", json={"rating": 5, "review": "great now"}))
    other = make_client(backend.create_account(tier="pro").owner_api_key)
    ok(other.post(f"/api/sdk/marketplace/modules/{mid}/reviews", json={"rating": 4}))
    body = ok(client.get(f"/api/sdk/marketplace/modules/{mid}/reviews"))
    assert body["count"] == 2 and body["average_rating"] == 4.5
    assert sorted(r["rating"] for r in body["reviews"]) == [4, 5]
    listed = ok(client.get("/api/sdk/marketplace/modules"))["modules"][0]
    assert listed["review_count"] == 2 and listed["average_rating"] == 4.5


async def test_async_transport(backend: Backend) -> None:
    async with httpx.AsyncClient(
        transport=backend.async_transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {backend.owner_api_key}"},
    ) as c:
        import asyncio

        created = await asyncio.gather(*(c.post("/api/integrations/webhooks", json=WEBHOOK) for _ in range(5)))
        assert [r.status_code for r in created] == [201] * 5
        listed = (await c.get("/api/integrations/webhooks/list")).json()
        assert len(listed["webhooks"]) == 5
        r = await c.get("/api/integrations/webhooks/abc")
        assert r.status_code == 400 and r.headers["x-request-id"]


def test_request_id_echo(client: httpx.Client) -> None:
    r = client.get("/api/sdk/plan", headers={"X-Request-Id": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    assert client.get("/api/sdk/plan").headers["x-request-id"].startswith("req_")


def test_other_accounts_construction_objects_are_invisible(
    client: httpx.Client, make_client: ClientFactory, backend: Backend
) -> None:
    """Every domain route with an id: another account's object is a 404 that changes nothing, and its ids
    cannot be referenced either."""
    from helpers_domain import client_, invoice, project, purchase_order, rfi, task, time_entry

    from cortexbuild_sdk.local.routes import ROUTES

    other = make_client(backend.create_account(company_name="Other Co").owner_api_key)
    c = client_(client)
    p = project(client, client_id=c["id"])
    ids = {
        "/api/clients": c["id"],
        "/api/projects": p["id"],
        "/api/tasks": task(client, p["id"])["id"],
        "/api/rfis": rfi(client, p["id"])["id"],
        "/api/invoices": invoice(client, c["id"])["id"],
        "/api/time-entries": time_entry(client, p["id"])["id"],
        "/api/purchase-orders": purchase_order(client)["id"],
    }
    updates = {"/api/rfis": {"subject": "x"}, "/api/invoices": {"notes": "x"}, "/api/clients": {"notes": "x"},
               "/api/purchase-orders": {"notes": "x"}}  # fmt: skip
    actions = {"answer": {"answer": "x"}, "pay": {"payment_date": "2025-10-09"}, "receive": {}}
    with backend.db.read() as conn:
        before = conn.execute("SELECT COUNT(*), MAX(updated_at) FROM tasks").fetchone()[:]
        events_before = conn.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0]
    checked = 0
    for route in ROUTES:
        base = next((b for b in ids if route.pattern.startswith(f"{b}/:id")), None)
        if base is None:
            continue
        path = route.pattern.replace(":id", str(ids[base]))
        body = actions.get(path.rsplit("/", 1)[-1]) if path.count("/") > 3 else updates.get(base, {"description": "x"})
        response = other.request(route.method, path, json=body if route.takes_body else None)
        err(response, 404, "not_found")
        checked += 1
    assert checked == 7 * 4 + 11  # get/put/patch/delete per resource, plus the 11 action routes
    for base in ids:
        listed = ok(other.get(base))
        assert listed["data"] == [] and listed["pagination"]["total"] == 0
    err(other.post("/api/tasks", json={"project_id": p["id"], "title": "t"}), 400, "resource_missing")
    err(other.post("/api/invoices", json={"client_id": c["id"], "issue_date": "2025-10-01", "due_date": "2025-10-02",
                                          "items": [{"description": "d", "quantity": 1, "unit_price": 1}]}),
        400, "resource_missing")  # fmt: skip
    assert ok(other.get("/api/time-entries/summary/stats"))["data"]["total_entries"] == 0
    with backend.db.read() as conn:
        assert conn.execute("SELECT COUNT(*), MAX(updated_at) FROM tasks").fetchone()[:] == before
        assert conn.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0] == events_before

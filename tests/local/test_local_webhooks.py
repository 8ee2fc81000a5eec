"""Webhooks: CRUD, validation, secrets and rotation overlap, logs pagination, plan limit."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest
from helpers_local import WEBHOOK, err, ok

from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.services.webhooks import webhook_signing_secrets


def test_crud(client: httpx.Client) -> None:
    created = ok(client.post("/api/integrations/webhooks", json={**WEBHOOK, "events": ["*", "task.completed"]}))
    hook = created["webhook"]
    # 64 hex characters: never the whsec_ form, whose HMAC key would differ from the string's own bytes
    secret = created["webhook"]["secret"]
    assert len(secret) == 64
    assert int(secret, 16) >= 0
    assert hook["events"] == ["*", "task.completed"] and hook["is_active"] is True
    assert hook["success_count"] == 0 and hook["created_at"].endswith("Z")
    got = ok(client.get(f"/api/integrations/webhooks/{hook['id']}"))["webhook"]
    assert "secret" not in got and got["name"] == WEBHOOK["name"]
    ok(client.patch(f"/api/integrations/webhooks/{hook['id']}", json={"name": "n2", "is_active": False}))
    got = ok(client.get(f"/api/integrations/webhooks/{hook['id']}"))["webhook"]
    assert got["name"] == "n2" and got["is_active"] is False and got["disabled_at"]
    ok(client.patch(f"/api/integrations/webhooks/{hook['id']}", json={"is_active": True}))
    got = ok(client.get(f"/api/integrations/webhooks/{hook['id']}"))["webhook"]
    assert got["is_active"] is True and got["disabled_reason"] is None
    assert [w["id"] for w in ok(client.get("/api/integrations/webhooks/list"))["webhooks"]] == [hook["id"]]
    ok(client.delete(f"/api/integrations/webhooks/{hook['id']}"))
    err(client.get(f"/api/integrations/webhooks/{hook['id']}"), 404, "not_found")
    assert ok(client.get("/api/integrations/webhooks/list"))["webhooks"] == []


def test_events_available(client: httpx.Client) -> None:
    assert ok(client.get("/api/integrations/webhooks/events/available"))["events"] == list(EVENT_TYPES)


@pytest.mark.parametrize(
    "body",
    [
        {**WEBHOOK, "url": "ftp://example.com/x"},
        {**WEBHOOK, "url": "example.com/hook"},
        {**WEBHOOK, "url": "https:///nohost"},
        {**WEBHOOK, "events": ["project.exploded"]},
        {**WEBHOOK, "events": []},
        {**WEBHOOK, "events": "project.created"},
        {**WEBHOOK, "events": ["webhook.test"]},
        {**WEBHOOK, "name": ""},
        {k: v for k, v in WEBHOOK.items() if k != "url"},
    ],
)
def test_create_rejects(client: httpx.Client, body: dict[str, object]) -> None:
    err(client.post("/api/integrations/webhooks", json=body), 400, "validation_error")
    assert ok(client.get("/api/integrations/webhooks/list"))["webhooks"] == []


def test_secret_and_rotation_overlap(client: httpx.Client, backend: Backend, clock: ManualClock) -> None:
    hook = ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]
    old = hook["secret"]
    assert ok(client.get(f"/api/integrations/webhooks/{hook['id']}/secret"))["secret"] == old
    new = ok(client.post(f"/api/integrations/webhooks/{hook['id']}/rotate-secret"))["webhook"]["secret"]
    assert new != old
    assert ok(client.get(f"/api/integrations/webhooks/{hook['id']}/secret"))["secret"] == new
    now_ms = int(clock.now() * 1000)
    with backend.db.read() as conn:
        assert webhook_signing_secrets(conn, hook["id"], now_ms) == [new, old]
        assert backend.signing_secrets(conn, hook["id"], now_ms + 24 * 3600 * 1000 - 1) == [new, old]
        assert webhook_signing_secrets(conn, hook["id"], now_ms + 24 * 3600 * 1000) == [new]
    # the seed's signature scheme works with the secret as a UTF-8 key
    body = json.dumps({"event": "project.created"}).encode()
    assert hmac.new(new.encode(), body, hashlib.sha256).hexdigest()


def test_logs_pagination(client: httpx.Client, backend: Backend) -> None:
    hook = ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]
    with backend.db.write() as conn:
        for i in range(120):
            conn.execute(
                "INSERT INTO webhook_logs (webhook_id, event_type, payload, response_status, delivered_at)"
                " VALUES (?, 'project.created', ?, 200, ?)",
                (hook["id"], json.dumps({"n": i}), 1_760_011_200_000 + i),
            )
    first = ok(client.get(f"/api/integrations/webhooks/{hook['id']}/logs"))
    assert len(first["logs"]) == 50 and first["next_cursor"]  # the seed's default limit
    assert first["logs"][0]["payload"] == {"n": 119} and first["logs"][0]["delivered_at"].endswith("Z")
    seen = [log["payload"]["n"] for log in first["logs"]]
    cursor = first["next_cursor"]
    while cursor:
        page = ok(client.get(f"/api/integrations/webhooks/{hook['id']}/logs", params={"limit": 30, "cursor": cursor}))
        seen += [log["payload"]["n"] for log in page["logs"]]
        cursor = page["next_cursor"]
    assert seen == list(range(119, -1, -1))
    err(
        client.get(f"/api/integrations/webhooks/{hook['id']}/logs", params={"cursor": "garbage!"}),
        400,
        "validation_error",
    )
    err(client.get(f"/api/integrations/webhooks/{hook['id']}/logs", params={"limit": "0"}), 400, "validation_error")


def test_list_pagination(client: httpx.Client, backend: Backend) -> None:
    backend.set_tier("pro")
    ids = [ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]["id"] for _ in range(7)]
    seen: list[int] = []
    params: dict[str, object] = {"limit": 3}
    while True:
        page = ok(client.get("/api/integrations/webhooks/list", params=params))
        seen += [w["id"] for w in page["webhooks"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids[::-1]


def test_plan_limit_webhooks(client: httpx.Client) -> None:
    for _ in range(5):
        ok(client.post("/api/integrations/webhooks", json=WEBHOOK))
    body = err(client.post("/api/integrations/webhooks", json=WEBHOOK), 403, "plan_limit_exceeded")
    assert body["details"] == {"limit": "webhooks", "tier": "free", "max": 5, "current": 5}
    assert "free" in body["error"] and "5" in body["error"]
    assert len(ok(client.get("/api/integrations/webhooks/list"))["webhooks"]) == 5

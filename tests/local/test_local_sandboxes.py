"""Sandboxes: own database with sample data, isolated test key, reset, delete, config flags, plan limit."""

from __future__ import annotations

import sqlite3
import time

import httpx
from helpers_local import WEBHOOK, ClientFactory, err, ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.schema_domain import DOMAIN_TABLES


def _create(client: httpx.Client, **extra: object) -> tuple[dict[str, object], str]:
    body = ok(client.post("/api/sdk/sandboxes", json={"name": "Development Sandbox", **extra}))
    return body["sandbox"], body["secret"]


def test_create_shape_and_sample_data(client: httpx.Client, backend: Backend) -> None:
    sandbox, secret = _create(client, description="For testing")
    assert secret.startswith("cbk_test_")
    assert sandbox["config"] == {"sampleDataEnabled": True, "webhooksEnabled": True, "integrationsEnabled": True}
    assert sandbox["is_active"] is True and sandbox["description"] == "For testing"
    assert "secret" not in ok(client.get(f"/api/sdk/sandboxes/{sandbox['id']}"))["sandbox"]
    with backend.sandbox_db(int(sandbox["id"])).read() as conn:  # type: ignore[call-overload]
        for table in DOMAIN_TABLES:
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, table
    with backend.db.read() as conn:  # the live store starts empty
        for table in DOMAIN_TABLES:
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_sample_data_disabled(client: httpx.Client, backend: Backend) -> None:
    sandbox, _ = _create(client, config={"sampleDataEnabled": False})
    with backend.sandbox_db(int(sandbox["id"])).read() as conn:  # type: ignore[call-overload]
        assert conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0


def test_isolation(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    backend.set_tier("starter")
    live_hook = ok(client.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]
    s1, k1 = _create(client)
    s2, k2 = _create(client)
    c1, c2 = make_client(k1), make_client(k2)
    assert ok(c1.get("/api/integrations/webhooks/list"))["webhooks"] == []
    err(c1.get(f"/api/integrations/webhooks/{live_hook['id']}"), 404, "not_found")
    h1 = ok(c1.post("/api/integrations/webhooks", json={**WEBHOOK, "name": "sandbox one"}))["webhook"]
    assert ok(c1.get(f"/api/integrations/webhooks/{h1['id']}/secret"))["secret"] == h1["secret"]
    assert ok(c2.get("/api/integrations/webhooks/list"))["webhooks"] == []
    assert [w["name"] for w in ok(client.get("/api/integrations/webhooks/list"))["webhooks"]] == [WEBHOOK["name"]]
    # sandbox keys cannot manage keys or sandboxes (not even with a PATCHed scope list)
    err(c1.get("/api/sdk/keys"), 403, "sandbox_key_not_allowed")
    err(c1.post("/api/sdk/sandboxes", json={"name": "x"}), 403, "sandbox_key_not_allowed")
    assert s1["id"] != s2["id"]


def test_reset_restores_initial_state_fast(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox, key = _create(client)
    sid = int(sandbox["id"])  # type: ignore[call-overload]
    sc = make_client(key)
    before = ok(sc.get("/api/projects", params={"limit": 100}))["data"]
    tasks_before = ok(sc.get("/api/tasks"))["pagination"]["total"]
    ok(sc.post("/api/integrations/webhooks", json=WEBHOOK))
    task = ok(sc.get("/api/tasks", params={"status": "todo"}))["data"][0]  # no time booked on it
    ok(sc.delete(f"/api/tasks/{task['id']}"))
    ok(sc.put(f"/api/projects/{before[0]['id']}", json={"budget": 1}))
    started = time.perf_counter()
    ok(client.post(f"/api/sdk/sandboxes/{sid}/reset"))
    assert time.perf_counter() - started < 1.0
    assert ok(sc.get("/api/integrations/webhooks/list"))["webhooks"] == []
    assert ok(sc.get("/api/projects", params={"limit": 100}))["data"] == before
    assert ok(sc.get("/api/tasks"))["pagination"]["total"] == tasks_before


def test_delete_removes_file_and_key(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox, key = _create(client)
    sid = int(sandbox["id"])  # type: ignore[call-overload]
    path = backend.path.with_name(backend.path.name + ".sandboxes") / f"sandbox-{sid}.db"
    assert path.exists()
    ok(client.delete(f"/api/sdk/sandboxes/{sid}"))
    assert not path.exists()
    err(make_client(key).get("/api/integrations/webhooks/list"), 401, "unauthorized")
    err(client.get(f"/api/sdk/sandboxes/{sid}"), 404, "not_found")
    assert ok(client.get("/api/sdk/sandboxes"))["sandboxes"] == []


def test_integrations_disabled_flag(client: httpx.Client, make_client: ClientFactory) -> None:
    """integrationsEnabled false: the routes work, connectors send nothing and log each request unsent."""
    sandbox, key = _create(client, config={"integrationsEnabled": False})
    sc = make_client(key)
    ok(sc.get("/api/integrations/list"))
    created = ok(sc.post("/api/integrations", json={"provider": "github", "name": "g", "credentials": {"token": "t"}}))
    gid = created["integration"]["id"]
    answer = ok(sc.post(f"/api/integrations/{gid}/test"))
    assert answer["sent"] is False and answer["result"] is None and "not sent" in answer["message"]
    logged = ok(sc.get(f"/api/integrations/{gid}/requests"))["requests"]
    assert [(r["method"], r["url"], r["sent"], r["status"]) for r in logged] == [
        ("GET", "http://127.0.0.1:9/user", False, None)
    ]
    assert ok(client.get("/api/integrations/list"))["integrations"] == []  # the sandbox's, not live's
    ok(sc.get("/api/integrations/webhooks/list"))  # webhooks still work
    ok(client.patch(f"/api/sdk/sandboxes/{sandbox['id']}", json={"config": {"integrationsEnabled": True}}))
    err(sc.post(f"/api/integrations/{gid}/test"), 502, "provider_unreachable")  # now it really sends
    err(client.patch(f"/api/sdk/sandboxes/{sandbox['id']}", json={"config": {"bogus": True}}), 400, "validation_error")


def test_plan_limit_and_deactivate(client: httpx.Client, make_client: ClientFactory) -> None:
    sandbox, key = _create(client)
    body = err(client.post("/api/sdk/sandboxes", json={"name": "second"}), 403, "plan_limit_exceeded")
    assert body["details"]["limit"] == "sandboxes"
    ok(client.patch(f"/api/sdk/sandboxes/{sandbox['id']}", json={"is_active": False}))
    err(make_client(key).get("/api/integrations/webhooks/list"), 403, "sandbox_inactive")


def test_sandbox_secrets_use_their_own_environment(
    client: httpx.Client, make_client: ClientFactory, backend: Backend
) -> None:
    sandbox, key = _create(client)
    hook = ok(make_client(key).post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]
    path = backend.path.with_name(backend.path.name + ".sandboxes") / f"sandbox-{sandbox['id']}.db"
    with sqlite3.connect(path) as conn:
        sealed = conn.execute("SELECT secret FROM webhooks WHERE id = ?", (hook["id"],)).fetchone()[0]
    assert (
        backend.keyring.decrypt(
            sealed, environment=f"sandbox:{sandbox['id']}", associated_data=f"webhook-secret:{hook['id']}".encode()
        ).decode()
        == hook["secret"]
    )

"""Integrations: CRUD, provider catalogue, credential validation, plan limits, sync runs, OAuth over loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from helpers_local import ClientFactory, err, ok

from cortexbuild_sdk.local import Backend, ManualClock

SLACK = {"provider": "slack", "name": "Team Slack", "credentials": {"accessToken": "xoxb-secret-token-123"}}


def test_crud_and_shape(client: httpx.Client) -> None:
    created = ok(client.post("/api/integrations", json={**SLACK, "config": {"channel": "#general"}}))["integration"]
    assert created["provider"] == "slack" and created["hasCredentials"] is True
    assert (
        created["sync_status"] == "idle"
        and created["is_active"] is True
        and created["config"] == {"channel": "#general"}
    )
    assert "credentials" not in created
    assert ok(client.get(f"/api/integrations/{created['id']}"))["integration"] == created
    assert [i["id"] for i in ok(client.get("/api/integrations/list"))["integrations"]] == [created["id"]]
    ok(client.patch(f"/api/integrations/{created['id']}/status", json={"is_active": False}))
    assert ok(client.get(f"/api/integrations/{created['id']}"))["integration"]["is_active"] is False
    ok(client.delete(f"/api/integrations/{created['id']}"))
    err(client.get(f"/api/integrations/{created['id']}"), 404, "not_found")


def test_providers_available(client: httpx.Client) -> None:
    providers = ok(client.get("/api/integrations/providers/available"))["providers"]
    assert len(providers) == 10
    oauth = {p["id"] for p in providers if p["requiresOAuth"]}
    assert oauth == {"quickbooks", "slack", "google_drive", "dropbox"}


@pytest.mark.parametrize(
    "body",
    [
        {**SLACK, "provider": "myspace"},
        {**SLACK, "credentials": "token"},
        {"provider": "stripe", "name": "s", "credentials": {"apiKey": "pk_live_publishable"}},
        {"provider": "stripe", "name": "s", "credentials": {}},
        {**SLACK, "config": []},
        {"provider": "slack"},
    ],
)
def test_create_rejects(client: httpx.Client, body: dict[str, Any]) -> None:
    err(client.post("/api/integrations", json=body), 400, "validation_error")
    assert ok(client.get("/api/integrations/list"))["integrations"] == []


def test_plan_limit_on_create_and_activate(client: httpx.Client, backend: Backend) -> None:
    ids = [ok(client.post("/api/integrations", json=SLACK))["integration"]["id"] for _ in range(3)]
    body = err(client.post("/api/integrations", json=SLACK), 403, "plan_limit_exceeded")
    assert body["details"]["limit"] == "active_integrations" and body["details"]["tier"] == "free"
    assert "3" in body["error"] and "free" in body["error"]
    ok(client.patch(f"/api/integrations/{ids[0]}/status", json={"is_active": False}))
    fourth = ok(client.post("/api/integrations", json=SLACK))["integration"]["id"]
    err(client.patch(f"/api/integrations/{ids[0]}/status", json={"is_active": True}), 403, "plan_limit_exceeded")
    plan = ok(client.get("/api/sdk/plan"))["plan"]
    assert plan["usage"]["active_integrations"] == 3 and plan["limits"]["active_integrations"] == 3
    backend.set_tier("pro")
    ok(client.patch(f"/api/integrations/{ids[0]}/status", json={"is_active": True}))
    assert fourth


def test_sync_records_a_run(client: httpx.Client, backend: Backend) -> None:
    backend.connectors.sleep = lambda seconds: None
    iid = ok(client.post("/api/integrations", json=SLACK))["integration"]["id"]
    body = ok(client.post(f"/api/integrations/{iid}/sync"))
    assert body["message"] == "Sync started" and body["run"]["status"] in ("queued", "running")
    backend.wait_for_syncs()
    run = ok(client.get(f"/api/integrations/{iid}/sync-runs/{body['run']['id']}"))["run"]
    # Slack is unreachable here (the suite points providers at a closed loopback port): no pretend success.
    assert run["status"] == "error" and "unreachable" in run["error"]
    assert ok(client.get(f"/api/integrations/{iid}"))["integration"]["sync_status"] == "error"
    with backend.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM integration_sync_runs").fetchone()[0] == 1
    usage = ok(client.get("/api/sdk/usage/integrations"))["usage"]
    assert usage == [{"provider": "slack", "syncs": 1, "last_sync": None, "success_rate": 0.0, "sync_runs": 1}]
    ok(client.patch(f"/api/integrations/{iid}/status", json={"is_active": False}))
    err(client.post(f"/api/integrations/{iid}/sync"), 409, "integration_inactive")


def test_oauth_not_configured(client: httpx.Client) -> None:
    body = err(
        client.get("/api/integrations/oauth/slack/authorize", params={"redirect_uri": "http://localhost/cb"}),
        400,
        "oauth_not_configured",
    )
    assert "CORTEXBUILD_OAUTH_SLACK_CLIENT_ID" in body["error"]
    err(
        client.get("/api/integrations/oauth/stripe/authorize", params={"redirect_uri": "http://l/cb"}),
        400,
        "validation_error",
    )


class _TokenServer(BaseHTTPRequestHandler):
    forms: list[dict[str, list[str]]] = []

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        type(self).forms.append(form)
        if form.get("code") == ["bad"]:
            status, body = 400, {"error": "invalid_grant", "error_description": "code expired"}
        else:
            n = len(type(self).forms)
            status, body = (
                200,
                {
                    "access_token": f"at-{n}",
                    "refresh_token": f"rt-{n}",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "files",
                },
            )
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def token_url() -> Iterator[str]:
    _TokenServer.forms = []
    server = HTTPServer(("127.0.0.1", 0), _TokenServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token"
    server.shutdown()
    server.server_close()


def test_oauth_flow_over_loopback(token_url: str, clock: ManualClock) -> None:
    oauth = {"dropbox": {"client_id": "cid", "client_secret": "csecret", "token_url": token_url}}
    with (
        Backend(clock=clock, oauth=oauth) as b,
        httpx.Client(
            transport=b.transport(), base_url="http://local", headers={"Authorization": f"Bearer {b.owner_api_key}"}
        ) as c,
    ):
        auth = ok(
            c.get(
                "/api/integrations/oauth/dropbox/authorize",
                params={"redirect_uri": "http://localhost:8080/cb", "name": "My Dropbox"},
            )
        )
        query = parse_qs(urlsplit(auth["authorization_url"]).query)
        assert query["state"] == [auth["state"]] and query["client_id"] == ["cid"]
        integ = ok(c.post("/api/integrations/oauth/dropbox/callback", json={"code": "good", "state": auth["state"]}))
        item = integ["integration"]
        assert item["provider"] == "dropbox" and item["name"] == "My Dropbox" and item["hasCredentials"] is True
        form = _TokenServer.forms[0]
        assert form["code"] == ["good"] and form["redirect_uri"] == ["http://localhost:8080/cb"]
        assert "code_verifier" in form  # dropbox uses PKCE
        # a state works once
        err(
            c.post("/api/integrations/oauth/dropbox/callback", json={"code": "good", "state": auth["state"]}),
            400,
            "invalid_state",
        )
        refreshed = ok(c.post(f"/api/integrations/{item['id']}/oauth/refresh"))
        assert refreshed["expires_at"].endswith("Z")
        assert _TokenServer.forms[1]["refresh_token"] == ["rt-1"]
        # provider refusal -> clear 4xx, nothing created
        auth2 = ok(c.get("/api/integrations/oauth/dropbox/authorize", params={"redirect_uri": "http://localhost/cb"}))
        body = err(
            c.post("/api/integrations/oauth/dropbox/callback", json={"code": "bad", "state": auth2["state"]}),
            400,
            "oauth_error",
        )
        assert body["details"]["oauth_error"] == "invalid_grant"
        assert len(ok(c.get("/api/integrations/list"))["integrations"]) == 1
        raw = b.path.read_bytes() + b.path.with_name(b.path.name + "-wal").read_bytes()
        assert b"at-1" not in raw and b"rt-1" not in raw and b"rt-2" not in raw


def test_oauth_state_expires(token_url: str, clock: ManualClock, make_client: ClientFactory) -> None:
    oauth = {"dropbox": {"client_id": "cid", "token_url": token_url}}
    with Backend(clock=clock, oauth=oauth) as b:
        c = make_client(of=b)
        auth = ok(c.get("/api/integrations/oauth/dropbox/authorize", params={"redirect_uri": "http://localhost/cb"}))
        clock.advance(601)
        err(
            c.post("/api/integrations/oauth/dropbox/callback", json={"code": "x", "state": auth["state"]}),
            400,
            "invalid_state",
        )
        assert _TokenServer.forms == []

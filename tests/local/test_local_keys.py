"""API keys: format, hashing, scopes, expiry, revocation, roll, last_used_at, owner key persistence."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import httpx
import pytest
from helpers_local import WEBHOOK, ClientFactory, err, ok

from cortexbuild_sdk.local import Backend, ManualClock


def test_create_key_shape_and_hash_only(client: httpx.Client, backend: Backend) -> None:
    body = ok(client.post("/api/sdk/keys", json={"name": "ci", "scopes": ["webhooks:write"]}))
    secret, key = body["secret"], body["key"]
    assert secret.startswith("cbk_live_") and len(secret) >= len("cbk_live_") + 43  # >= 32 random bytes
    assert secret.startswith(key["key_prefix"]) and len(key["key_prefix"]) < len(secret)
    assert key["scopes"] == ["webhooks:write"] and key["is_active"] is True
    assert "key_hash" not in key and "secret" not in key
    with backend.db.read() as conn:
        stored = conn.execute("SELECT key_hash FROM api_keys WHERE id = ?", (key["id"],)).fetchone()[0]
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    raw = backend.path.read_bytes() + Path(str(backend.path) + "-wal").read_bytes()
    assert secret.encode() not in raw


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing"),
        ("Basic abc", "malformed"),
        ("Bearer", "malformed"),
        ("Bearer cbk_live_nope", "invalid"),
    ],
)
def test_401s(backend: Backend, header: str | None, message: str) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as c:
        body = err(c.get("/api/integrations/webhooks/list"), 401, "unauthorized")
    assert message in body["error"]


def test_scope_enforced_and_named(client: httpx.Client, make_client: ClientFactory) -> None:
    secret = ok(client.post("/api/sdk/keys", json={"name": "ro", "scopes": ["webhooks:read"]}))["secret"]
    ro = make_client(secret)
    ok(ro.get("/api/integrations/webhooks/list"))
    body = err(ro.post("/api/integrations/webhooks", json=WEBHOOK), 403, "insufficient_scope")
    assert "webhooks:write" in body["error"] and body["details"]["required_scope"] == "webhooks:write"
    err(ro.get("/api/integrations/list"), 403, "insufficient_scope")
    # write implies read
    rw = make_client(ok(client.post("/api/sdk/keys", json={"name": "rw", "scopes": ["webhooks:write"]}))["secret"])
    ok(rw.get("/api/integrations/webhooks/list"))


def test_no_privilege_escalation(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    km = make_client(ok(client.post("/api/sdk/keys", json={"name": "km", "scopes": ["keys:write"]}))["secret"])
    body = err(km.post("/api/sdk/keys", json={"name": "x", "scopes": ["webhooks:write"]}), 403, "insufficient_scope")
    assert body["details"]["missing_scopes"] == ["webhooks:write"]
    ok(km.post("/api/sdk/keys", json={"name": "y", "scopes": ["keys:read"]}))
    owner_id = ok(client.get("/api/sdk/keys"))["keys"][-1]["id"]
    err(km.post(f"/api/sdk/keys/{owner_id}/roll"), 403, "insufficient_scope")  # cannot take over the owner key
    err(client.post(f"/api/sdk/keys/{owner_id}/revoke"), 409, "conflict")


def test_revoke_is_instant_and_roll_kills_old_secret(client: httpx.Client, make_client: ClientFactory) -> None:
    created = ok(client.post("/api/sdk/keys", json={"name": "k", "scopes": ["webhooks:read"]}))
    k = make_client(created["secret"])
    ok(k.get("/api/integrations/webhooks/list"))
    rolled = ok(client.post(f"/api/sdk/keys/{created['key']['id']}/roll"))
    assert rolled["secret"] != created["secret"] and rolled["key"]["id"] == created["key"]["id"]
    assert "revoked" not in err(k.get("/api/integrations/webhooks/list"), 401, "unauthorized")["error"]
    k2 = make_client(rolled["secret"])
    ok(k2.get("/api/integrations/webhooks/list"))
    ok(client.post(f"/api/sdk/keys/{created['key']['id']}/revoke"))
    assert "revoked" in err(k2.get("/api/integrations/webhooks/list"), 401, "unauthorized")["error"]
    assert ok(client.get(f"/api/sdk/keys/{created['key']['id']}"))["key"]["is_active"] is False


def test_expiry(client: httpx.Client, make_client: ClientFactory, clock: ManualClock) -> None:
    err(
        client.post(
            "/api/sdk/keys", json={"name": "k", "scopes": ["usage:read"], "expires_at": "2020-01-01T00:00:00Z"}
        ),
        400,
        "validation_error",
    )
    body = ok(
        client.post("/api/sdk/keys", json={"name": "k", "scopes": ["usage:read"], "expires_at": "2025-10-09T13:00:00Z"})
    )
    assert body["key"]["expires_at"] == "2025-10-09T13:00:00.000Z"
    k = make_client(body["secret"])
    ok(k.get("/api/sdk/plan"))
    clock.advance(3601)
    assert "expired" in err(k.get("/api/sdk/plan"), 401, "unauthorized")["error"]


def test_update_key(client: httpx.Client) -> None:
    key = ok(client.post("/api/sdk/keys", json={"name": "k", "scopes": ["usage:read"]}))["key"]
    updated = ok(client.patch(f"/api/sdk/keys/{key['id']}", json={"name": "renamed", "scopes": ["usage:write"]}))
    assert updated["key"]["name"] == "renamed" and updated["key"]["scopes"] == ["usage:write"]
    err(client.patch(f"/api/sdk/keys/{key['id']}", json={"scopes": ["root"]}), 400, "validation_error")
    err(client.patch(f"/api/sdk/keys/{key['id']}", json={"name": None}), 400, "validation_error")


def test_last_used_at_coalesced(client: httpx.Client, backend: Backend, clock: ManualClock) -> None:
    ok(client.get("/api/sdk/plan"))

    def last_used() -> int:
        with backend.db.read() as conn:
            return int(conn.execute("SELECT last_used_at FROM api_keys WHERE id = 1").fetchone()[0])

    first = last_used()
    changes_before = backend.db.connection().total_changes
    clock.advance(30)
    for _ in range(20):
        ok(client.get("/api/sdk/plan"))
    assert last_used() == first  # no write per request
    assert backend.db.connection().total_changes == changes_before
    clock.advance(31)
    ok(client.get("/api/sdk/plan"))
    assert last_used() == first + 61_000


def test_owner_key_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "dev.db"
    with Backend(path) as b1:
        key = b1.owner_api_key
    assert (tmp_path / "dev.db.key").stat().st_mode & 0o777 == 0o600
    with Backend(path) as b2:
        assert b2.owner_api_key == key
        with httpx.Client(
            transport=b2.transport(), base_url="http://x", headers={"Authorization": f"Bearer {key}"}
        ) as c:
            ok(c.get("/api/sdk/plan"))
    raw = path.read_bytes()
    assert key.encode() not in raw
    with sqlite3.connect(path) as conn:
        sealed = conn.execute("SELECT owner_key_secret FROM accounts").fetchone()[0]
    assert sealed.startswith("v1.")


def test_owner_roll_updates_owner_api_key(backend: Backend, client: httpx.Client) -> None:
    old = backend.owner_api_key
    new = ok(client.post("/api/sdk/keys/1/roll"))["secret"]
    assert backend.owner_api_key == new != old
    err(client.get("/api/sdk/plan"), 401, "unauthorized")

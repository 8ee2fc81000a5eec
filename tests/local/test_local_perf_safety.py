"""The hot path's memoised API-key lookup stays exact: every change is seen by the very next request.

The lookup is memoised per connection and trusted only while nothing was committed to the file (by this
connection, another thread, another process or a plain sqlite3 writer). Each test first warms the memo with
several requests, proves it is in use (no api_keys query on a warm request), changes something, and checks the
very next request.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from helpers_local import WEBHOOK, ClientFactory, err, ok

from cortexbuild_sdk.local import Backend, ManualClock

WARM = 5


@contextmanager
def statements(backend: Backend) -> Iterator[list[str]]:
    """SQL run on this thread's connection (the sync transport runs the app in the caller's thread)."""
    seen: list[str] = []
    conn = backend.db.connection()
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


def key_queries(seen: list[str]) -> int:
    return sum("FROM api_keys k JOIN accounts" in s for s in seen)


def warm(c: httpx.Client, path: str = "/api/integrations/webhooks/list") -> None:
    for _ in range(WARM):
        ok(c.get(path))


def new_key(client: httpx.Client, scopes: list[str], **extra: object) -> tuple[int, str]:
    body = ok(client.post("/api/sdk/keys", json={"name": "k", "scopes": scopes, **extra}))
    return int(body["key"]["id"]), str(body["secret"])


def test_warm_requests_do_not_query_the_key(client: httpx.Client, backend: Backend) -> None:
    warm(client)
    with statements(backend) as seen:
        ok(client.get("/api/integrations/webhooks/list"))
    assert key_queries(seen) == 0 and any("data_version" in s for s in seen)
    ok(client.post("/api/integrations/webhooks", json=WEBHOOK))  # any commit drops the memo...
    with statements(backend) as seen:
        ok(client.get("/api/integrations/webhooks/list"))
    assert key_queries(seen) == 1  # ...so the next request reads the key again


def test_revoke_and_roll_seen_by_next_request(client: httpx.Client, make_client: ClientFactory) -> None:
    key_id, secret = new_key(client, ["webhooks:read"])
    k = make_client(secret)
    warm(k)
    rolled = ok(client.post(f"/api/sdk/keys/{key_id}/roll"))["secret"]
    err(k.get("/api/integrations/webhooks/list"), 401, "unauthorized")
    k2 = make_client(rolled)
    warm(k2)
    ok(client.post(f"/api/sdk/keys/{key_id}/revoke"))
    assert "revoked" in err(k2.get("/api/integrations/webhooks/list"), 401, "unauthorized")["error"]


def test_scope_change_seen_by_next_request(client: httpx.Client, make_client: ClientFactory) -> None:
    key_id, secret = new_key(client, ["webhooks:write"])
    k = make_client(secret)
    warm(k)
    ok(k.post("/api/integrations/webhooks", json=WEBHOOK))
    ok(client.patch(f"/api/sdk/keys/{key_id}", json={"scopes": ["webhooks:read"]}))
    body = err(k.post("/api/integrations/webhooks", json=WEBHOOK), 403, "insufficient_scope")
    assert body["details"]["required_scope"] == "webhooks:write"
    ok(k.get("/api/integrations/webhooks/list"))
    ok(client.patch(f"/api/sdk/keys/{key_id}", json={"scopes": ["webhooks:write"]}))
    ok(k.post("/api/integrations/webhooks", json=WEBHOOK))


def test_expiry_by_clock_and_by_update(client: httpx.Client, make_client: ClientFactory, clock: ManualClock) -> None:
    _, secret = new_key(client, ["usage:read"], expires_at="2025-10-09T12:00:10Z")
    k = make_client(secret)
    warm(k, "/api/sdk/plan")
    clock.advance(10)  # no write at all: the memoised expires_at is compared with the clock on every request
    assert "expired" in err(k.get("/api/sdk/plan"), 401, "unauthorized")["error"]
    key_id, secret = new_key(client, ["usage:read"])
    k = make_client(secret)
    warm(k, "/api/sdk/plan")
    ok(client.patch(f"/api/sdk/keys/{key_id}", json={"expires_at": "2025-10-09T12:00:11Z"}))
    ok(k.get("/api/sdk/plan"))
    clock.advance(1)
    assert "expired" in err(k.get("/api/sdk/plan"), 401, "unauthorized")["error"]


def test_tier_change_seen_by_next_request(client: httpx.Client, backend: Backend) -> None:
    warm(client, "/api/sdk/plan")
    assert ok(client.get("/api/sdk/plan"))["plan"]["tier"] == "free"
    backend.set_tier("enterprise")
    assert ok(client.get("/api/sdk/plan"))["plan"]["tier"] == "enterprise"


def test_sandbox_changes_seen_by_next_request(client: httpx.Client, make_client: ClientFactory) -> None:
    body = ok(client.post("/api/sdk/sandboxes", json={"name": "Development Sandbox"}))
    sid, sc = body["sandbox"]["id"], make_client(body["secret"])
    gid = ok(sc.post("/api/integrations", json={"provider": "github", "name": "g", "credentials": {"token": "t"}}))[
        "integration"
    ]["id"]
    warm(sc, "/api/integrations/list")
    ok(client.patch(f"/api/sdk/sandboxes/{sid}", json={"config": {"integrationsEnabled": False}}))
    assert ok(sc.post(f"/api/integrations/{gid}/test"))["sent"] is False  # the flag is seen at once
    warm(sc)
    ok(client.patch(f"/api/sdk/sandboxes/{sid}", json={"is_active": False}))
    err(sc.get("/api/integrations/webhooks/list"), 403, "sandbox_inactive")
    ok(client.patch(f"/api/sdk/sandboxes/{sid}", json={"is_active": True}))
    warm(sc)
    ok(client.delete(f"/api/sdk/sandboxes/{sid}"))
    err(sc.get("/api/integrations/webhooks/list"), 401, "unauthorized")


def test_last_used_at_still_coalesced_with_a_warm_memo(
    client: httpx.Client, backend: Backend, clock: ManualClock
) -> None:
    def last_used() -> int:
        with backend.db.read() as conn:
            return int(conn.execute("SELECT last_used_at FROM api_keys WHERE id = 1").fetchone()[0])

    warm(client, "/api/sdk/plan")
    first = last_used()
    clock.advance(61)
    ok(client.get("/api/sdk/plan"))  # the memoised last_used_at is a minute old: one write
    assert last_used() == first + 61_000
    changes = backend.db.connection().total_changes
    clock.advance(30)
    warm(client, "/api/sdk/plan")
    assert backend.db.connection().total_changes == changes and last_used() == first + 61_000
    clock.advance(31)
    ok(client.get("/api/sdk/plan"))
    assert last_used() == first + 122_000


def test_revoke_from_another_thread(client: httpx.Client, make_client: ClientFactory) -> None:
    key_id, secret = new_key(client, ["webhooks:read"])
    k = make_client(secret)
    warm(k)
    worker = threading.Thread(target=lambda: ok(client.post(f"/api/sdk/keys/{key_id}/revoke")))
    worker.start()  # the revoke commits on that thread's own connection
    worker.join()
    err(k.get("/api/integrations/webhooks/list"), 401, "unauthorized")


async def test_async_transport_sees_revoke(client: httpx.Client, backend: Backend) -> None:
    key_id, secret = new_key(client, ["webhooks:read"])

    def as_key(token: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(transport=backend.async_transport(), base_url="http://x", headers=headers)

    async with as_key(secret) as k, as_key(backend.owner_api_key) as owner:
        for _ in range(WARM):  # worker threads: each warms its own connection's memo
            assert (await k.get("/api/integrations/webhooks/list")).status_code == 200
        assert (await owner.post(f"/api/sdk/keys/{key_id}/revoke")).status_code == 200
        assert (await k.get("/api/integrations/webhooks/list")).status_code == 401


_CHILD = """
import sqlite3, sys
import httpx
from cortexbuild_sdk.local import Backend
path = sys.argv[1]
with Backend(path) as b, httpx.Client(
    transport=b.transport(), base_url="http://x", headers={"Authorization": f"Bearer {b.owner_api_key}"}
) as c:
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, arg = line.split()
        if cmd == "revoke":
            r = c.post(f"/api/sdk/keys/{arg}/revoke")
        elif cmd == "roll":
            r = c.post(f"/api/sdk/keys/{arg}/roll")
        elif cmd == "read-only":
            r = c.patch(f"/api/sdk/keys/{arg}", json={"scopes": ["webhooks:read"]})
        elif cmd == "tier":
            b.set_tier(arg)
            r = None
        elif cmd == "expire":  # a plain sqlite3 writer, not the backend: still seen
            with sqlite3.connect(path) as raw:
                raw.execute("UPDATE api_keys SET expires_at = 1 WHERE id = ?", (int(arg),))
            raw.close()
            r = None
        assert r is None or r.status_code == 200, r.text
        print("done", flush=True)
"""


@pytest.fixture
def child(file_backend: Backend) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(file_backend.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"  # its startup commits are behind us before warming
    yield proc
    _, errs = proc.communicate(timeout=60)  # closes its stdin: the child's loop ends
    assert proc.returncode == 0, errs


def tell(proc: subprocess.Popen[str], command: str) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline().strip()
    if line != "done":
        raise AssertionError(f"child failed on {command!r}: {line!r} {proc.communicate(timeout=30)[1]}")


def test_changes_from_another_process_seen_by_next_request(file_backend: Backend, child: subprocess.Popen[str]) -> None:
    headers = {"Authorization": f"Bearer {file_backend.owner_api_key}"}
    owner = httpx.Client(transport=file_backend.transport(), base_url="http://x", headers=headers)

    def as_key(secret: str) -> httpx.Client:
        return httpx.Client(
            transport=file_backend.transport(), base_url="http://x", headers={"Authorization": f"Bearer {secret}"}
        )

    with owner:
        ids = [new_key(owner, ["webhooks:write"]) for _ in range(4)]
        clients = [as_key(secret) for _, secret in ids]
        for c in clients:
            warm(c)  # each key's first use writes last_used_at, which drops the memo...
        warm(clients[0])  # ...so warm the first key again after the others
        with statements(file_backend) as seen:
            ok(clients[0].get("/api/integrations/webhooks/list"))
        assert key_queries(seen) == 0  # the memo is warm: only another process's commit can refresh it

        tell(child, f"revoke {ids[0][0]}")
        assert "revoked" in err(clients[0].get("/api/integrations/webhooks/list"), 401, "unauthorized")["error"]
        warm(clients[1])
        tell(child, f"roll {ids[1][0]}")
        err(clients[1].get("/api/integrations/webhooks/list"), 401, "unauthorized")
        warm(clients[2])
        ok(clients[2].post("/api/integrations/webhooks", json=WEBHOOK))
        tell(child, f"read-only {ids[2][0]}")
        err(clients[2].post("/api/integrations/webhooks", json=WEBHOOK), 403, "insufficient_scope")
        warm(clients[3])
        tell(child, f"expire {ids[3][0]}")
        assert "expired" in err(clients[3].get("/api/integrations/webhooks/list"), 401, "unauthorized")["error"]
        warm(owner, "/api/sdk/plan")
        tell(child, "tier enterprise")
        assert ok(owner.get("/api/sdk/plan"))["plan"]["tier"] == "enterprise"
        for c in clients:
            c.close()


def test_request_ids_unique_and_well_formed(client: httpx.Client) -> None:
    ids = {client.get("/api/sdk/plan").headers["x-request-id"] for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("req_") and len(i) == 28 and int(i[4:], 16) >= 0 for i in ids)
    assert client.get("/api/sdk/plan", headers={"x-request-id": "mine-1"}).headers["x-request-id"] == "mine-1"


def test_transport_response_is_complete(client: httpx.Client) -> None:
    r = client.get("/api/sdk/plan")
    assert int(r.headers["content-length"]) == len(r.content) and r.json()["success"] is True
    with client.stream("GET", "/api/sdk/plan") as streamed:
        assert b"".join(streamed.iter_bytes()) == r.content

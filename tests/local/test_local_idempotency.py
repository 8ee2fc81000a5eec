"""Idempotent POSTs: a retried request runs once, whatever happened to the first response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cortexbuild_sdk import BadRequestError, CortexBuild, UnprocessableEntityError
from cortexbuild_sdk.local import Backend, ManualClock

HOOK = {"name": "Hook", "url": "https://myapp.example/h", "events": ["*"]}


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with Backend(tmp_path / "idem.db", clock=ManualClock(1_760_011_200.0)) as running:
        yield running


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend) as local:
        yield local


def raw(backend: Backend) -> httpx.Client:
    headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
    return httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers)


def test_a_lost_response_is_retried_without_creating_twice(backend: Backend) -> None:
    """The backend commits, the response is lost on the way back, the client retries with the same key."""
    inner = backend.transport()
    dropped: list[str] = []

    def lossy(request: httpx.Request) -> httpx.Response:
        request.read()
        response = inner.handle_request(request)
        if request.method == "POST" and not dropped:
            dropped.append(request.headers["idempotency-key"])
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response

    http = httpx.Client(transport=httpx.MockTransport(lossy))
    with CortexBuild(api_key=backend.owner_api_key, base_url="http://local", http_client=http) as client:
        key = client.keys.create(name="ci", scopes=["webhooks:read"])
        assert dropped  # the first answer really was lost
        assert [k.name for k in client.keys.list()].count("ci") == 1
        assert key.secret.startswith("cbk_live_")  # the replay carries the secret shown once
        assert client.with_options(api_key=key.secret).webhooks.list().data == []
    http.close()


def test_same_key_replays_the_stored_answer(backend: Backend, client: CortexBuild) -> None:
    first = client.webhooks.create(**HOOK, idempotency_key="create-hook-1")
    again = client.webhooks.create(**HOOK, idempotency_key="create-hook-1")
    assert (again.id, again.secret) == (first.id, first.secret)
    assert len(list(client.webhooks.list())) == 1
    with raw(backend) as http:
        replayed = http.post("/api/integrations/webhooks", json=HOOK, headers={"Idempotency-Key": "create-hook-1"})
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"


def test_reusing_a_key_for_another_request_is_refused(client: CortexBuild) -> None:
    client.webhooks.create(**HOOK, idempotency_key="k")
    with pytest.raises(UnprocessableEntityError) as info:
        client.webhooks.create(**{**HOOK, "name": "Other"}, idempotency_key="k")
    assert info.value.code == "idempotency_key_reused"
    assert [h.name for h in client.webhooks.list()] == ["Hook"]


def test_keys_are_scoped_to_the_api_key(client: CortexBuild) -> None:
    other = client.keys.create(name="writer", scopes=["webhooks:read", "webhooks:write"])
    mine = client.webhooks.create(**HOOK, idempotency_key="shared")
    theirs = client.with_options(api_key=other.secret).webhooks.create(**HOOK, idempotency_key="shared")
    assert mine.id != theirs.id


def test_refusals_are_replayed_too(backend: Backend, client: CortexBuild) -> None:
    bad = {**HOOK, "events": ["project.exploded"]}
    with pytest.raises(BadRequestError):
        client.webhooks.create(**bad, idempotency_key="bad-1")
    with raw(backend) as http:
        again = http.post("/api/integrations/webhooks", json=bad, headers={"Idempotency-Key": "bad-1"})
    assert again.status_code == 400
    assert again.headers["idempotent-replayed"] == "true"


def test_a_replayed_conflict_keeps_its_no_retry_header(backend: Backend, client: CortexBuild) -> None:
    created = client.integrations.create(provider="stripe", name="S", credentials={"apiKey": "sk_test_x"})
    client.integrations.update_status(created.id, is_active=False)
    with raw(backend) as http:
        path = f"/api/integrations/{created.id}/sync"
        first = http.post(path, headers={"Idempotency-Key": "sync-1"})
        second = http.post(path, headers={"Idempotency-Key": "sync-1"})
    assert first.status_code == second.status_code == 409
    assert second.headers["x-should-retry"] == "false"
    assert second.headers["idempotent-replayed"] == "true"


def test_keys_expire_after_24_hours(backend: Backend, client: CortexBuild) -> None:
    first = client.webhooks.create(**HOOK, idempotency_key="daily")
    assert isinstance(backend.clock, ManualClock)
    backend.clock.advance(24 * 3600 + 1)
    second = client.webhooks.create(**HOOK, idempotency_key="daily")
    assert second.id != first.id


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_malformed_keys_are_refused(backend: Backend, key: str) -> None:
    with raw(backend) as http:
        answer = http.post("/api/integrations/webhooks", json=HOOK, headers={"Idempotency-Key": key.encode("utf-8")})
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"


def test_stored_answers_are_sealed_at_rest(tmp_path: Path) -> None:
    path = tmp_path / "sealed.db"
    with Backend(path) as backend, CortexBuild.local(backend=backend) as client:
        key = client.keys.create(name="ci", scopes=["webhooks:read"], idempotency_key="seal-me")
        secret = key.secret
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("sealed.db"))
    assert secret.encode() not in data


def test_a_version_1_file_is_migrated_on_open(tmp_path: Path) -> None:
    import sqlite3

    from cortexbuild_sdk.local.schema import MIGRATIONS
    from cortexbuild_sdk.local.store import Database

    path = tmp_path / "old.db"
    with Backend(path) as backend:  # a complete store, then rolled back to what version 1 had
        owner = backend.owner_api_key
    conn = sqlite3.connect(path)
    v1 = Database(tmp_path / "v1.db", migrations=MIGRATIONS[:1])
    with v1.read() as read:
        v1_tables = {r[0] for r in read.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        v1_extras = {r for r in read.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index')")}
    v1.close()
    extras = "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL"
    for kind, name in conn.execute(extras).fetchall():
        if (kind, name) not in v1_extras:  # later migrations' triggers and indexes, also on v1's tables
            conn.execute(f"DROP {kind.upper()} {name}")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid DESC")]
    for table in tables:  # idempotency_keys and whatever later migrations added
        if table not in v1_tables:
            conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    with Backend(path) as backend, CortexBuild.local(backend=backend) as client:
        assert client.api_key == owner
        client.webhooks.create(**HOOK, idempotency_key="after-upgrade")
        assert client.webhooks.create(**HOOK, idempotency_key="after-upgrade").id == 1
    db = Database(path, migrations=MIGRATIONS)
    with db.read() as read:
        assert read.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()

"""Sync runs: Slack sends pending task reminders by the backend clock; orphaned runs; sandboxes send nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from cortexbuild_sdk import ConflictError, CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.connectors.local_data import LocalWorkItem
from cortexbuild_sdk.local.providers import PROVIDERS

from .books import MemoryData
from .conftest import HOST


@pytest.fixture
def data() -> MemoryData:
    return MemoryData()


@pytest.fixture
def backend(clock: ManualClock, data: MemoryData) -> Iterator[Backend]:
    with Backend(clock=clock, provider_urls=dict.fromkeys(PROVIDERS, HOST), local_data=lambda ctx: data) as b:
        b.connectors.sleep = lambda s: None
        yield b


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend, max_retries=0) as c:
        yield c


def _run(client: CortexBuild, backend: Backend, iid: int) -> str:
    run = client.integrations.sync(iid)
    assert run is not None
    backend.wait_for_syncs()
    done = client.integrations.sync_run(iid, run.id)
    return f"{done.status} {done.counts.created}/{done.counts.skipped} {done.error or ''}".strip()


def test_slack_sync_sends_due_task_reminders_once(
    client: CortexBuild, backend: Backend, data: MemoryData, clock: ManualClock
) -> None:
    # The clock reads 2025-10-09; reminders cover tasks due through tomorrow.
    data.work[("task", 1)] = LocalWorkItem("task", 1, "Pour slab", "", due_date="2025-10-10")
    data.work[("task", 2)] = LocalWorkItem("task", 2, "Order rebar", "", due_date="2025-10-08")
    data.work[("task", 3)] = LocalWorkItem("task", 3, "Paint", "", due_date="2025-10-20")
    iid = client.integrations.create(
        provider="slack", name="Site", credentials={"accessToken": "xoxb-1", "defaultChannel": "#site"}
    ).id
    with respx.mock as mock:
        mock.post(f"{HOST}/api/auth.test").respond(json={"ok": True, "team": "Acme"})
        post = mock.post(f"{HOST}/api/chat.postMessage").respond(json={"ok": True, "channel": "C1", "ts": "5.5"})
        assert _run(client, backend, iid) == "success 2/0"
        assert _run(client, backend, iid) == "success 0/0"  # sent once per task and due date: nothing read again
        clock.advance(10 * 86400)
        assert _run(client, backend, iid) == "success 1/0"  # only the task whose due date came into the window
    texts = sorted(json.loads(c.request.content)["text"] for c in post.calls)
    assert texts == [
        "Reminder: task *Order rebar* is overdue",
        "Reminder: task *Paint* is due 2025-10-20",
        "Reminder: task *Pour slab* is due 2025-10-10",
    ]
    assert client.integrations.retrieve(iid).last_sync_at is not None


def test_orphaned_run_is_closed_after_the_stale_window(
    client: CortexBuild, backend: Backend, clock: ManualClock
) -> None:
    iid = client.integrations.create(provider="github", name="g", credentials={"token": "t"}).id
    with backend.db.write() as conn:  # what a process that died mid-sync leaves behind
        conn.execute(
            "INSERT INTO integration_sync_runs (integration_id, account_id, provider, status, started_at)"
            " VALUES (?, 1, 'github', 'syncing', ?)",
            (iid, int(clock.now() * 1000)),
        )
        conn.execute("UPDATE integrations SET sync_status = 'syncing' WHERE id = ?", (iid,))
    with pytest.raises(ConflictError):
        client.integrations.sync(iid)
    clock.advance(31 * 60)
    with respx.mock as mock:
        mock.get(f"{HOST}/user").respond(json={"login": "octo"})
        assert _run(client, backend, iid) == "success 0/0"
    runs = list(client.integrations.sync_runs(iid))
    assert [r.status for r in runs] == ["success", "error"] and "interrupted" in (runs[1].error or "")


def test_sandbox_sync_sends_nothing(client: CortexBuild, backend: Backend) -> None:
    sandbox = client.sandboxes.create(name="dev", config={"integrationsEnabled": False})
    with CortexBuild.local(backend=backend, api_key=sandbox.secret, max_retries=0) as sc, respx.mock:
        iid = sc.integrations.create(provider="github", name="g", credentials={"token": "t"}).id
        assert _run(sc, backend, iid).startswith("error 0/0 nothing sent")
        (logged,) = list(sc.integrations.requests(iid))
        assert logged.sent is False and logged.url == f"{HOST}/user"


def test_default_backend_binds_the_domain(clock: ManualClock) -> None:
    # No Backend(local_data=...): connectors read and write the construction domain (never 503
    # local_data_unavailable); an invoice that is not there is an ordinary 404.
    with (
        Backend(clock=clock, provider_urls=dict.fromkeys(PROVIDERS, HOST)) as backend,
        CortexBuild.local(backend=backend, max_retries=0) as client,
    ):
        iid = client.integrations.create(
            provider="quickbooks", name="q", credentials={"accessToken": "a", "realmId": "1"}
        ).id
        from cortexbuild_sdk import NotFoundError

        with respx.mock, pytest.raises(NotFoundError) as caught:
            client.integrations.quickbooks(iid).push_invoice(1)
        assert caught.value.code == "not_found"
        with respx.mock as mock:
            mock.get(url__regex=r".*/query").mock(return_value=httpx.Response(200, json={"QueryResponse": {}}))
            assert _run(client, backend, iid) == "success 0/0"

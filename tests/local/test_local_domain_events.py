"""Domain changes cause their webhook events: each one written in the change's transaction, delivered to a
loopback receiver and verified there; ``invoice.overdue`` comes from the clock, once."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_domain import client_, invoice, project, purchase_order, rfi, task, time_entry
from helpers_local import ok

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.services import projects

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver

START = 1_760_011_200.0  # 2025-10-09T12:00:00Z
DAY = 86_400.0


@pytest.fixture
def backend(clock: ManualClock) -> Iterator[Backend]:
    with Backend(clock=clock, tier="pro", delivery_poll_interval=0.05) as b:
        yield b


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _subscribe(client: httpx.Client, receiver: Receiver, path: str = "/hook") -> str:
    hook = ok(client.post("/api/integrations/webhooks", json={"name": "r", "url": receiver.url(path), "events": ["*"]}))
    secret: str = hook["webhook"]["secret"]
    return secret


def _events(backend: Backend) -> list[str]:
    with backend.db.read() as conn:
        return [r[0] for r in conn.execute("SELECT event_type FROM webhook_events ORDER BY created_at, rowid")]


def _delivered(receiver: Receiver, secret: str, n: int, path: str = "/hook") -> list[dict[str, Any]]:
    out = []
    for request in receiver.wait_for(n, path):
        webhooks.verify(request.body, request.headers, secret, tolerance=None)
        out.append(json.loads(request.body))
    return sorted(out, key=lambda body: body["id"])


def test_every_domain_event_is_caused_by_the_api_and_arrives_verified(
    client: httpx.Client, backend: Backend, clock: ManualClock, receiver: Receiver
) -> None:
    secret = _subscribe(client, receiver)
    c = client_(client)
    ok(client.put(f"/api/clients/{c['id']}", json={"phone": "+44 113 496 0000"}))
    p = project(client, client_id=c["id"])
    ok(client.put(f"/api/projects/{p['id']}", json={"status": "active"}))
    t = task(client, p["id"])
    ok(client.put(f"/api/tasks/{t['id']}", json={"assigned_to": "Sarah Mitchell"}))
    ok(client.put(f"/api/tasks/{t['id']}/complete"))
    r = rfi(client, p["id"])
    ok(client.put(f"/api/rfis/{r['id']}/answer", json={"answer": "200 mm centres"}))
    ok(client.put(f"/api/rfis/{r['id']}/close"))
    paid = invoice(client, c["id"], project_id=p["id"])
    ok(client.put(f"/api/invoices/{paid['id']}/send"))
    ok(client.put(f"/api/invoices/{paid['id']}/pay", json={"payment_date": "2025-10-09"}))
    late = invoice(client, c["id"], due_date="2025-10-10")
    ok(client.put(f"/api/invoices/{late['id']}/send"))
    e = time_entry(client, p["id"])
    ok(client.put(f"/api/time-entries/{e['id']}/approve"))
    po = purchase_order(client, project_id=p["id"])
    ok(client.put(f"/api/purchase-orders/{po['id']}/approve"))
    ok(client.put(f"/api/purchase-orders/{po['id']}/receive"))
    gone = task(client, p["id"], title="Temporary")
    ok(client.delete(f"/api/tasks/{gone['id']}"))
    doomed = project(client, name="Cancelled scheme")
    ok(client.delete(f"/api/projects/{doomed['id']}"))
    clock.advance(2 * DAY)  # 2025-10-11: the late invoice's due date has passed
    backend.drain()
    expected = [
        "client.created", "client.updated", "project.created", "project.updated", "project.status_changed",
        "task.created", "task.updated", "task.completed", "rfi.created", "rfi.answered", "rfi.closed",
        "invoice.created", "invoice.sent", "invoice.paid", "invoice.created", "invoice.sent",
        "time_entry.created", "time_entry.approved", "purchase_order.created", "purchase_order.approved",
        "purchase_order.received", "task.created", "task.deleted", "project.created", "project.deleted",
        "invoice.overdue",
    ]  # fmt: skip
    assert _events(backend) == expected
    bodies = {b["event"]: b for b in _delivered(receiver, secret, len(expected))}
    assert len(bodies) == 22  # every catalogue event but the two document ones (branch i10d)
    assert bodies["project.status_changed"]["data"]["previous_status"] == "planning"
    assert bodies["project.status_changed"]["data"]["project"]["status"] == "active"
    assert bodies["rfi.answered"]["data"]["rfi"]["answer"] == "200 mm centres"
    assert bodies["invoice.paid"]["data"]["invoice"]["balance"] == 0
    overdue = bodies["invoice.overdue"]["data"]
    assert overdue["invoice"]["id"] == late["id"] and overdue["previous_status"] == "sent"
    assert overdue["invoice"] == ok(client.get(f"/api/invoices/{late['id']}"))["data"]  # data is the GET object
    assert bodies["task.deleted"]["data"]["task"]["id"] == gone["id"]
    assert all(b["company_id"] == "company-1" and b["user_id"] == "user-1" for b in bodies.values())


def test_invoice_overdue_fires_once_by_the_clock(client: httpx.Client, backend: Backend, clock: ManualClock) -> None:
    inv = invoice(client, client_(client)["id"], due_date="2025-10-10")
    ok(client.put(f"/api/invoices/{inv['id']}/send"))
    clock.advance(DAY)  # 2025-10-10: due today, not yet overdue
    backend.drain()
    assert "invoice.overdue" not in _events(backend)
    clock.advance(DAY)
    backend.drain()
    backend.drain()
    assert _events(backend).count("invoice.overdue") == 1
    clock.advance(30 * DAY)
    assert ok(client.get(f"/api/invoices/{inv['id']}"))["data"]["status"] == "overdue"
    ok(client.put(f"/api/invoices/{inv['id']}/pay", json={"payment_date": "2025-11-10"}))
    backend.drain()
    assert _events(backend).count("invoice.overdue") == 1 and _events(backend)[-1] == "invoice.paid"


def test_reads_see_overdue_without_waiting_for_the_timer(client: httpx.Client, clock: ManualClock) -> None:
    inv = invoice(client, client_(client)["id"], due_date="2025-10-09")
    ok(client.put(f"/api/invoices/{inv['id']}/send"))
    clock.advance(DAY)
    listed = ok(client.get("/api/invoices", params={"status": "overdue"}))["data"]
    assert [i["id"] for i in listed] == [inv["id"]]


def test_a_failed_write_after_publishing_rolls_back_change_and_event(
    client: httpx.Client, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project(client)
    real = projects.publish_change
    calls: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(args[3])
        out = real(*args, **kwargs)  # project.updated is written ...
        if args[3] == "status_changed":
            raise RuntimeError("disk on fire")  # ... then the transaction fails
        return out

    monkeypatch.setattr(projects, "publish_change", failing)
    response = client.put(f"/api/projects/{p['id']}", json={"status": "active", "name": "Renamed"})
    assert response.status_code == 500 and calls == ["updated", "status_changed"]
    monkeypatch.undo()
    assert ok(client.get(f"/api/projects/{p['id']}"))["data"] == p  # the change is gone ...
    assert _events(backend) == ["project.created"]  # ... and so are both events


def test_sandbox_serves_sample_data_and_emits_into_its_own_webhooks(
    client: httpx.Client, make_client: Any, backend: Backend, receiver: Receiver
) -> None:
    live_secret = _subscribe(client, receiver, "/live")
    assert ok(client.get("/api/projects"))["data"] == []  # the live store starts empty
    created = ok(client.post("/api/sdk/sandboxes", json={"name": "Dev"}))
    sandbox = make_client(created["secret"])
    sample = ok(sandbox.get("/api/projects"))
    assert sample["pagination"]["total"] == 6
    assert {p["status"] for p in sample["data"]} <= {"planning", "active", "on-hold", "completed", "cancelled"}
    assert ok(sandbox.get("/api/rfis", params={"status": "open"}))["data"]
    secret = _subscribe(sandbox, receiver, "/sandbox")
    target = next(p for p in sample["data"] if p["status"] == "active")
    ok(sandbox.put(f"/api/projects/{target['id']}", json={"status": "on-hold"}))
    backend.drain()
    events = [b["event"] for b in _delivered(receiver, secret, 2, "/sandbox")]
    assert sorted(events) == ["project.status_changed", "project.updated"]
    assert receiver.requests("/live") == [] and live_secret
    ok(client.post(f"/api/sdk/sandboxes/{created['sandbox']['id']}/reset"))
    assert ok(sandbox.get(f"/api/projects/{target['id']}"))["data"]["status"] == "active"  # reset restores


def test_the_backends_timer_marks_overdue_on_its_own(clock: ManualClock) -> None:
    import time

    with Backend(clock=clock, overdue_scan_interval=0.02) as backend:
        headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
        with httpx.Client(transport=backend.transport(), base_url="http://l", headers=headers) as http:
            inv = invoice(http, client_(http)["id"], due_date="2025-10-09")
            ok(http.put(f"/api/invoices/{inv['id']}/send"))
            clock.advance(DAY)
            deadline = time.monotonic() + 10
            while "invoice.overdue" not in _events(backend) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _events(backend)[-1] == "invoice.overdue"  # no read, no drain: the timer did it

"""Every state machine, every (from, to) pair: legal moves answer 200, illegal ones 409 ``invalid_transition``
with the legal next statuses in ``details.allowed``, and change nothing.

The machines below are the documented ones (docs/domain.md), written out independently of the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from helpers_domain import client_, invoice, project, purchase_order, rfi, task, time_entry
from helpers_local import ok

MACHINES: dict[str, dict[str, tuple[str, ...]]] = {
    "projects": {
        "planning": ("active", "on-hold", "cancelled"),
        "active": ("on-hold", "completed", "cancelled"),
        "on-hold": ("active", "cancelled"),
        "completed": ("active",),
        "cancelled": (),
    },
    "tasks": {
        "todo": ("in-progress", "review", "blocked", "completed"),
        "in-progress": ("todo", "review", "blocked", "completed"),
        "review": ("in-progress", "blocked", "completed"),
        "blocked": ("todo", "in-progress"),
        "completed": ("in-progress",),
    },
    "rfis": {"open": ("answered", "void"), "answered": ("closed", "void"), "closed": (), "void": ()},
    "invoices": {
        "draft": ("sent", "cancelled"),
        "sent": ("paid", "overdue", "cancelled"),
        "overdue": ("paid", "cancelled"),
        "paid": (),
        "cancelled": (),
    },
    "time-entries": {"pending": ("approved",), "approved": ()},
    "purchase-orders": {
        "draft": ("sent", "approved", "cancelled"),
        "sent": ("approved", "cancelled"),
        "approved": ("received", "cancelled"),
        "received": (),
        "cancelled": (),
    },
}

# How to reach each state from a fresh object: the targets to apply in order.
PATHS: dict[str, dict[str, list[str]]] = {
    "projects": {"planning": [], "active": ["active"], "on-hold": ["on-hold"], "completed": ["active", "completed"],
                 "cancelled": ["cancelled"]},
    "tasks": {"todo": [], "in-progress": ["in-progress"], "review": ["review"], "blocked": ["blocked"],
              "completed": ["completed"]},
    "rfis": {"open": [], "answered": ["answered"], "closed": ["answered", "closed"], "void": ["void"]},
    "invoices": {"draft": [], "sent": ["sent"], "overdue": ["sent"], "paid": ["sent", "paid"],
                 "cancelled": ["cancelled"]},
    "time-entries": {"pending": [], "approved": ["approved"]},
    "purchase-orders": {"draft": [], "sent": ["sent"], "approved": ["approved"], "received": ["approved", "received"],
                        "cancelled": ["cancelled"]},
}  # fmt: skip

Mover = Callable[[httpx.Client, int], httpx.Response]


def _put(path: str, body: dict[str, Any] | None = None) -> Mover:
    return lambda c, i: c.put(path.format(i), json=body)


# target status -> the request that moves there (None: no request does; e.g. overdue comes from the clock)
MOVERS: dict[str, dict[str, Mover | None]] = {
    "projects": {s: _put("/api/projects/{}", {"status": s}) for s in MACHINES["projects"]},
    "tasks": {s: _put("/api/tasks/{}", {"status": s}) for s in MACHINES["tasks"]},
    "rfis": {"open": None, "answered": _put("/api/rfis/{}/answer", {"answer": "200 mm"}),
             "closed": _put("/api/rfis/{}/close"), "void": _put("/api/rfis/{}/void")},
    "invoices": {"draft": None, "sent": _put("/api/invoices/{}/send"),
                 "paid": _put("/api/invoices/{}/pay", {"payment_date": "2025-10-09"}),
                 "overdue": None, "cancelled": _put("/api/invoices/{}/cancel")},
    "time-entries": {"pending": None, "approved": _put("/api/time-entries/{}/approve")},
    "purchase-orders": {"draft": None, "sent": _put("/api/purchase-orders/{}/send"),
                        "approved": _put("/api/purchase-orders/{}/approve"),
                        "received": _put("/api/purchase-orders/{}/receive", {"received_date": "2025-10-09"}),
                        "cancelled": _put("/api/purchase-orders/{}", {"status": "cancelled"})},
}  # fmt: skip


def _fresh(client: httpx.Client, area: str, state: str) -> int:
    if area == "projects":
        return project(client)["id"]
    if area == "tasks":
        return task(client, project(client)["id"])["id"]
    if area == "rfis":
        return rfi(client, project(client)["id"])["id"]
    if area == "invoices":  # the clock is at 2025-10-09: an overdue invoice was due before it
        due = "2025-10-05" if state == "overdue" else "2025-10-31"
        return invoice(client, client_(client)["id"], due_date=due)["id"]
    if area == "time-entries":
        return time_entry(client, project(client)["id"])["id"]
    return purchase_order(client)["id"]


CASES = [  # every pair a request could attempt (overdue comes from the clock: see test_local_domain_events)
    (area, src, dst)
    for area, machine in MACHINES.items()
    for src in machine
    for dst in machine
    if dst != src and MOVERS[area][dst] is not None
]


@pytest.mark.parametrize(("area", "src", "dst"), CASES)
def test_transition(client: httpx.Client, area: str, src: str, dst: str) -> None:
    obj_id = _fresh(client, area, src)
    for step in PATHS[area][src]:
        mover = MOVERS[area][step]
        assert mover is not None
        ok(mover(client, obj_id))
    before = ok(client.get(f"/api/{area}/{obj_id}"))["data"]
    assert before["status"] == src
    mover = MOVERS[area][dst]
    assert mover is not None
    response = mover(client, obj_id)
    if dst in MACHINES[area][src]:
        assert response.status_code == 200, response.text
        assert ok(client.get(f"/api/{area}/{obj_id}"))["data"]["status"] == dst
    else:
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["success"] is False and body["code"] in ("invalid_transition", "not_editable")
        if body["code"] == "invalid_transition":
            assert body["details"]["allowed"] == list(MACHINES[area][src])
        assert response.headers["x-should-retry"] == "false"
        assert ok(client.get(f"/api/{area}/{obj_id}"))["data"] == before


def test_completing_a_task_twice_and_reopening(client: httpx.Client) -> None:
    t = task(client, project(client)["id"])
    done = ok(client.put(f"/api/tasks/{t['id']}/complete"))["data"]
    assert done["status"] == "completed" and done["completed_at"] and done["progress"] == 100
    again = client.put(f"/api/tasks/{t['id']}/complete")
    assert again.status_code == 409 and again.json()["details"]["allowed"] == ["in-progress"]
    reopened = ok(client.put(f"/api/tasks/{t['id']}", json={"status": "in-progress"}))["data"]
    assert reopened["completed_at"] is None


def test_partial_payments_keep_the_status_until_settled(client: httpx.Client) -> None:
    inv = invoice(client, client_(client)["id"])  # total 1230
    ok(client.put(f"/api/invoices/{inv['id']}/send"))
    part = ok(client.put(f"/api/invoices/{inv['id']}/pay", json={"payment_date": "2025-10-09", "amount": 1000}))
    assert part["data"]["status"] == "sent" and part["data"]["balance"] == 230 and part["data"]["paid_at"] is None
    too_much = client.put(f"/api/invoices/{inv['id']}/pay", json={"payment_date": "2025-10-09", "amount": 230.01})
    assert too_much.status_code == 400 and too_much.json()["details"][0]["field"] == "amount"
    paid = ok(client.put(f"/api/invoices/{inv['id']}/pay", json={"payment_date": "2025-10-10"}))["data"]
    assert paid["status"] == "paid" and paid["balance"] == 0 and paid["paid_amount"] == 1230
    assert paid["paid_at"] == "2025-10-10T00:00:00.000Z"


def test_locked_records(client: httpx.Client) -> None:
    inv = invoice(client, client_(client)["id"])
    ok(client.put(f"/api/invoices/{inv['id']}/send"))
    new_items = {"items": [{"description": "x", "quantity": 1, "unit_price": 1}]}
    assert client.put(f"/api/invoices/{inv['id']}", json=new_items).json()["code"] == "not_editable"
    assert ok(client.put(f"/api/invoices/{inv['id']}", json={"notes": "Thanks"}))["data"]["notes"] == "Thanks"
    assert client.delete(f"/api/invoices/{inv['id']}").json()["code"] == "not_deletable"
    r = rfi(client, project(client)["id"])
    ok(client.put(f"/api/rfis/{r['id']}/void"))
    assert client.put(f"/api/rfis/{r['id']}", json={"subject": "x"}).json()["code"] == "not_editable"
    e = time_entry(client, project(client)["id"])
    ok(client.put(f"/api/time-entries/{e['id']}/approve"))
    assert client.put(f"/api/time-entries/{e['id']}", json={"description": "x"}).status_code == 409
    assert client.delete(f"/api/time-entries/{e['id']}").status_code == 409
    po = purchase_order(client)
    ok(client.put(f"/api/purchase-orders/{po['id']}/approve"))
    assert client.put(f"/api/purchase-orders/{po['id']}", json={"vendor": "y"}).json()["code"] == "not_editable"
    assert client.delete(f"/api/purchase-orders/{po['id']}").json()["code"] == "not_deletable"

"""The construction-domain routes through raw HTTP: envelopes, fields, filters, paging, validation, deletes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers_domain import ITEMS, client_, create, invoice, project, purchase_order, rfi, task, time_entry
from helpers_local import err, ok

from cortexbuild_sdk.local import Backend


def test_project_crud_envelopes_and_rendering(client: httpx.Client) -> None:
    c = client_(client, credit_limit=250000.75)
    assert c["credit_limit"] == 250000.75 and c["is_active"] is True
    p = project(client, client_id=c["id"], start_date="2025-11-01", actual_cost=1234.5, progress=5)
    assert p["status"] == "planning" and p["budget"] == 5_000_000 and p["actual_cost"] == 1234.5
    assert p["company_id"] == "company-1" and p["created_at"] == "2025-10-09T12:00:00.000Z"
    assert set(p) >= {"id", "name", "description", "project_number", "priority", "end_date", "address", "city",
                      "state", "zip_code", "client_id", "progress", "updated_at"}  # fmt: skip
    got = ok(client.get(f"/api/projects/{p['id']}"))
    assert set(got) == {"success", "data"} and got["data"] == p
    put = ok(client.put(f"/api/projects/{p['id']}", json={"description": "Six storeys", "city": "Leeds"}))
    assert set(put) == {"success", "data", "message"} and put["data"]["city"] == "Leeds"
    patched = ok(client.patch(f"/api/projects/{p['id']}", json={"description": None}))["data"]
    assert patched["description"] is None and patched["city"] == "Leeds"  # PATCH is PUT's synonym; null clears
    deleted = ok(client.delete(f"/api/projects/{p['id']}"))
    assert set(deleted) == {"success", "message"}
    err(client.get(f"/api/projects/{p['id']}"), 404, "not_found")
    err(client.delete(f"/api/projects/{p['id']}"), 404, "not_found")


def test_list_paging_filters_search_newest_first(client: httpx.Client) -> None:
    a, b = project(client, name="Alpha Tower"), project(client, name="Beta Depot")
    for n in range(25):
        task(client, a["id"], title=f"Task {n}", status="in-progress" if n % 5 == 0 else "todo")
    task(client, b["id"], title="Other project's task")
    first = ok(client.get("/api/tasks"))
    assert first["pagination"] == {"page": 1, "limit": 20, "total": 26, "totalPages": 2}
    ids = [t["id"] for t in first["data"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 20
    second = ok(client.get("/api/tasks", params={"page": 2}))
    assert [t["id"] for t in second["data"]] == sorted(set(range(1, 27)) - set(ids), reverse=True)
    assert ok(client.get("/api/tasks", params={"page": 3}))["data"] == []
    by_project = ok(client.get("/api/tasks", params={"project_id": a["id"], "status": "in-progress", "limit": 2}))
    assert by_project["pagination"] == {"page": 1, "limit": 2, "total": 5, "totalPages": 3}
    assert all(t["project_id"] == a["id"] and t["status"] == "in-progress" for t in by_project["data"])
    assert [p["name"] for p in ok(client.get("/api/projects", params={"search": "depot"}))["data"]] == ["Beta Depot"]
    assert ok(client.get("/api/projects", params={"search": "%"}))["data"] == []  # LIKE wildcards are literal
    empty = ok(client.get("/api/rfis"))
    assert empty["data"] == [] and empty["pagination"] == {"page": 1, "limit": 20, "total": 0, "totalPages": 0}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"limit": "101"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"status": "done"}, "status"),
        ({"project_id": "-1"}, "project_id"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_list_queries(client: httpx.Client, params: dict[str, str], field: str) -> None:
    body = err(client.get("/api/tasks", params=params), 400, "validation_error")
    assert body["details"][0]["field"] == field


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/projects", {}, "name"),
        ("/api/projects", {"name": "x", "budget": -1}, "budget"),
        ("/api/projects", {"name": "x", "budget": 1.001}, "budget"),
        ("/api/projects", {"name": "x", "budget": "lots"}, "budget"),
        ("/api/projects", {"name": "x", "status": "on_hold"}, "status"),
        ("/api/projects", {"name": "x", "start_date": "2025-02-30"}, "start_date"),
        ("/api/projects", {"name": "x", "progress": 101}, "progress"),
        ("/api/projects", {"name": "x", "stauts": "active"}, "stauts"),
        ("/api/tasks", {"title": "x"}, "project_id"),
        ("/api/rfis", {"project_id": 1, "subject": "s"}, "question"),
        ("/api/invoices", {"client_id": 1, "issue_date": "2025-10-01", "due_date": "2025-10-02", "items": []}, "items"),
        (
            "/api/invoices",
            {
                "client_id": 1,
                "issue_date": "2025-10-01",
                "due_date": "2025-10-02",
                "items": [{"description": "d", "quantity": 0, "unit_price": 1}],
            },
            "items.0.quantity",
        ),
        (
            "/api/invoices",
            {"client_id": 1, "issue_date": "2025-10-01", "due_date": "2025-10-02", "items": ITEMS, "tax_rate": 101},
            "tax_rate",
        ),
        ("/api/clients", {"name": "x", "email": "not-an-email"}, "email"),
        ("/api/time-entries", {"project_id": 1, "start_time": "yesterday"}, "start_time"),
        ("/api/purchase-orders", {"vendor": "v", "issue_date": "2025-10-01"}, "items"),
    ],
)
def test_bad_bodies_are_400_and_write_nothing(
    client: httpx.Client, backend: Backend, path: str, body: dict[str, Any], field: str
) -> None:
    project(client)
    client_(client)
    answer = err(client.post(path, json=body), 400, "validation_error")
    assert answer["details"][0]["field"] == field
    with backend.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0] == 2  # the two fixtures' only


def test_references_must_be_the_callers(client: httpx.Client) -> None:
    body = err(client.post("/api/tasks", json={"project_id": 99, "title": "t"}), 400, "resource_missing")
    assert body["details"][0]["field"] == "project_id"
    err(client.post("/api/projects", json={"name": "p", "client_id": 5}), 400, "resource_missing")
    err(client.put(f"/api/tasks/{task(client, project(client)['id'])['id']}", json={"project_id": 42}), 400,
        "resource_missing")  # fmt: skip


def test_updates_refuse_nulls_for_required_fields_and_empty_bodies(client: httpx.Client) -> None:
    p = project(client)
    err(client.put(f"/api/projects/{p['id']}", json={"name": None}), 400, "validation_error")
    err(client.put(f"/api/projects/{p['id']}", json={}), 400, "validation_error")
    err(client.put(f"/api/projects/{p['id']}", json={"id": 5}), 400, "validation_error")
    # Optional on create (generated) but never empty afterwards: found by schemathesis as a 500.
    r = rfi(client, p["id"])
    err(client.put(f"/api/rfis/{r['id']}", json={"rfi_number": None, "project_id": p["id"]}), 400, "validation_error")
    err(client.patch(f"/api/rfis/{r['id']}", json={"subject": "s", "rfi_number": None}), 400, "validation_error")
    assert ok(client.get(f"/api/rfis/{r['id']}"))["data"]["rfi_number"] == r["rfi_number"]


def test_delete_of_a_referenced_parent_is_a_conflict(client: httpx.Client) -> None:
    p = project(client)
    t = task(client, p["id"])
    err(client.delete(f"/api/projects/{p['id']}"), 409, "in_use")
    ok(client.delete(f"/api/tasks/{t['id']}"))
    ok(client.delete(f"/api/projects/{p['id']}"))


def test_rfi_numbers_generated_per_project_and_unique(client: httpx.Client) -> None:
    a, b = project(client), project(client)
    assert [rfi(client, a["id"])["rfi_number"] for _ in range(3)] == ["RFI-001", "RFI-002", "RFI-003"]
    assert rfi(client, b["id"])["rfi_number"] == "RFI-001"
    assert rfi(client, b["id"], rfi_number="RFI-002")["rfi_number"] == "RFI-002"
    assert rfi(client, b["id"])["rfi_number"] == "RFI-003"  # skips the hand-picked number
    body = err(client.post("/api/rfis", json={"project_id": b["id"], "subject": "s", "question": "q",
                                             "rfi_number": "RFI-001"}), 409, "duplicate")  # fmt: skip
    assert body["details"]["field"] == "rfi_number"


def test_invoice_totals_are_computed_half_up_in_cents(client: httpx.Client) -> None:
    c = client_(client)
    items = [
        {"description": "Labour", "quantity": 3, "unit_price": 33.33},
        {"description": "Fixings", "quantity": "2.5", "unit_price": "0.05"},  # 0.125 -> 0.13
    ]
    inv = invoice(client, c["id"], items=items, tax_rate=7.5, invoice_number="A-1", notes="n")
    assert [i["amount"] for i in inv["items"]] == [99.99, 0.13]
    assert inv["subtotal"] == 100.12 and inv["tax_rate"] == 7.5
    assert inv["tax_amount"] == 7.51  # 7.509 -> 7.51
    assert inv["total"] == 107.63 and inv["balance"] == 107.63 and inv["paid_amount"] == 0
    assert inv["status"] == "draft" and inv["invoice_number"] == "A-1"
    assert invoice(client, c["id"])["invoice_number"] == "INV-000002"
    err(client.post("/api/invoices", json={"client_id": c["id"], "issue_date": "2025-10-01", "due_date": "2025-10-01",
                                           "items": ITEMS, "invoice_number": "A-1"}), 409, "duplicate")  # fmt: skip
    err(client.post("/api/invoices", json={"client_id": c["id"], "issue_date": "2025-10-05", "due_date": "2025-10-01",
                                           "items": ITEMS}), 400, "validation_error")  # fmt: skip
    updated = ok(client.put(f"/api/invoices/{inv['id']}", json={"tax_rate": 20}))["data"]
    assert updated["tax_amount"] == 20.02 and updated["total"] == 120.14 and updated["items"] == inv["items"]


def test_time_entry_duration_amount_and_stats(client: httpx.Client) -> None:
    p = project(client)
    t = task(client, p["id"])
    entry = time_entry(client, p["id"], task_id=t["id"], start_time="2025-10-09 08:00:00",
                       end_time="2025-10-09T10:20:40Z", hourly_rate=45)  # fmt: skip
    assert entry["duration_minutes"] == 141 and entry["amount"] == 105.75  # 2h20m40s -> 141 min
    assert entry["start_time"] == "2025-10-09T08:00:00.000Z" and entry["user_id"] == "user-1"
    open_ = time_entry(client, p["id"], end_time=None)
    assert open_["duration_minutes"] is None and open_["amount"] is None
    free = time_entry(client, p["id"], is_billable=False)
    assert free["amount"] == 0 and free["duration_minutes"] == 510
    err(client.post("/api/time-entries", json={"project_id": p["id"], "start_time": 1760000000000,
                                               "end_time": 1750000000000}), 400, "validation_error")  # fmt: skip
    other = project(client)
    wrong_task = {"project_id": other["id"], "task_id": t["id"], "start_time": "2025-10-09T08:00:00Z"}
    err(client.post("/api/time-entries", json=wrong_task), 400, "validation_error")
    closed = ok(client.put(f"/api/time-entries/{open_['id']}", json={"end_time": "2025-10-09T09:00:00Z"}))["data"]
    assert closed["duration_minutes"] == 60 and closed["amount"] == 42.5
    stats = ok(client.get("/api/time-entries/summary/stats", params={"project_id": p["id"]}))["data"]
    assert stats["total_entries"] == 3 and stats["total_minutes"] == 141 + 60 + 510
    assert stats["billable_minutes"] == 201 and stats["total_amount"] == 148.25
    assert stats["pending_entries"] == 3 and stats["approved_entries"] == 0


def test_purchase_order_numbers_and_totals(client: httpx.Client) -> None:
    po = purchase_order(client, tax_amount=246)
    assert po["po_number"] == "PO-000001" and po["subtotal"] == 1230 and po["total"] == 1476
    assert po["items"] == [
        {"description": "Concrete C32/40 (m3)", "quantity": 12.5, "unit_price": 98.4, "amount": 1230}
    ]
    assert purchase_order(client, po_number="HAND-7")["po_number"] == "HAND-7"
    err(client.post("/api/purchase-orders", json={"vendor": "v", "issue_date": "2025-10-01", "items": ITEMS,
                                                  "po_number": "HAND-7"}), 409, "duplicate")  # fmt: skip


def test_clients_filter_by_active(client: httpx.Client) -> None:
    client_(client, name="Active One")
    gone = client_(client, name="Gone Co", is_active=False)
    listed = ok(client.get("/api/clients", params={"is_active": "false"}))["data"]
    assert [c["id"] for c in listed] == [gone["id"]]
    err(client.get("/api/clients", params={"is_active": "maybe"}), 400, "validation_error")
    created = create(client, "/api/clients", {"name": "  Trimmed  "})
    assert created["name"] == "Trimmed"


def test_scopes_per_area(client: httpx.Client, make_client: Any) -> None:
    p = project(client)
    key = ok(client.post("/api/sdk/keys", json={"name": "ro", "scopes": ["projects:read"]}))["secret"]
    ro = make_client(key)
    assert ok(ro.get(f"/api/projects/{p['id']}"))["data"]["id"] == p["id"]
    body = err(ro.put(f"/api/projects/{p['id']}", json={"name": "x"}), 403, "insufficient_scope")
    assert body["details"]["required_scope"] == "projects:write"
    err(ro.get("/api/tasks"), 403, "insufficient_scope")


def test_amounts_beyond_the_money_limit_are_400_not_overflows(client: httpx.Client) -> None:
    c = client_(client)
    huge = [{"description": "x", "quantity": 1_000_000_000, "unit_price": 9_000_000_000_000}] * 2
    body = {"client_id": c["id"], "issue_date": "2025-10-01", "due_date": "2025-10-02", "items": huge}
    err(client.post("/api/invoices", json=body), 400, "validation_error")
    p = project(client)
    long_entry = {"project_id": p["id"], "start_time": 0, "end_time": 253_402_300_799_999, "hourly_rate": 9e12}
    err(client.post("/api/time-entries", json=long_entry), 400, "validation_error")


def test_concurrent_creates_get_distinct_numbers(make_client: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    setup = make_client()
    p = project(setup)
    c = client_(setup)

    def work(n: int) -> tuple[str, str]:
        http = make_client()
        r = rfi(http, p["id"], subject=f"Question {n}")
        i = invoice(http, c["id"])
        return r["rfi_number"], i["invoice_number"]

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(work, range(24)))
    assert sorted(r for r, _ in numbers) == [f"RFI-{n:03d}" for n in range(1, 25)]
    assert len({i for _, i in numbers}) == 24


async def test_the_async_transport_serves_the_domain(backend: Backend) -> None:
    headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
    async with httpx.AsyncClient(transport=backend.async_transport(), base_url="http://l", headers=headers) as http:
        made = await http.post("/api/projects", json={"name": "Async Tower"})
        assert made.status_code == 201
        project_id = made.json()["data"]["id"]
        moved = await http.patch(f"/api/projects/{project_id}", json={"status": "active"})
        assert moved.json()["data"]["status"] == "active"
        listed = (await http.get("/api/projects", params={"status": "active"})).json()
        assert [p["id"] for p in listed["data"]] == [project_id]


def test_tax_rate_is_stored_as_plain_decimal_text(client: httpx.Client, backend: Backend) -> None:
    c = client_(client)
    made = [invoice(client, c["id"], tax_rate=rate)["id"] for rate in (20, "12.50", 0.5, 0)]
    with backend.db.read() as conn:
        stored = [conn.execute("SELECT tax_rate FROM invoices WHERE id = ?", (i,)).fetchone()[0] for i in made]
    assert stored == ["20", "12.5", "0.5", "0"]

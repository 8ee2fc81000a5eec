"""QuickBooks over real sockets: connect through OAuth, sync both ways, sync again without writes, a payment
in QuickBooks marks the local invoice paid, expenses become records, Faults and 429 are handled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.types import SyncRun
from emulators import quickbooks as qb
from emulators.server import serve

from .books import MemoryData


@pytest.fixture
def world() -> Iterator[tuple[CortexBuild, qb.QBState, MemoryData, Backend]]:
    state, data = qb.QBState(), MemoryData()
    with (
        serve(qb.app(state)) as url,
        Backend(
            oauth={"quickbooks": {"client_id": qb.CLIENT_ID, "client_secret": qb.CLIENT_SECRET}},
            provider_urls={"quickbooks": url},
            local_data=lambda ctx: data,
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        backend.connectors.sleep = lambda s: None
        yield client, state, data, backend


def _sync(client: CortexBuild, backend: Backend, iid: int) -> SyncRun:
    run = client.integrations.sync(iid)
    assert run is not None and run.status in ("queued", "running")
    backend.wait_for_syncs()
    done = client.integrations.sync_run(iid, run.id)
    assert done.done
    return done


def _connect(client: CortexBuild) -> int:
    auth = client.integrations.oauth.authorize("quickbooks", redirect_uri="http://127.0.0.1/cb", name="Books")
    assert "/connect/oauth2" in auth.authorization_url
    return client.integrations.oauth.callback("quickbooks", code="good-code", state=auth.state, realm_id=qb.REALM).id


def test_full_sync_both_ways_then_idempotent(world: tuple[CortexBuild, qb.QBState, MemoryData, Backend]) -> None:
    client, state, data, backend = world
    builder = data.add_client("Bay Builders", "ap@bay.example")
    data.add_client("Harbor Homes")
    data.add_invoice(builder.id, "INV-1001", 125_000)
    data.add_invoice(builder.id, "INV-1002", 99_99)
    remote_customer = state.add(
        "Customer", {"DisplayName": "Remote Roofing", "PrimaryEmailAddr": {"Address": "r@r.example"}}
    )
    state.add(
        "Invoice",
        {
            "CustomerRef": {"value": remote_customer["Id"]},
            "DocNumber": "QB-77",
            "TxnDate": "2026-11-02",
            "TotalAmt": 500.0,
            "Balance": 500.0,
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 500.0, "Description": "Roof"}],
        },
    )
    state.add(
        "Purchase",
        {
            "TxnDate": "2026-11-03",
            "TotalAmt": 42.5,
            "PaymentType": "CreditCard",
            "AccountRef": {"name": "Visa"},
            "EntityRef": {"name": "Lumber Co"},
            "Line": [{"Amount": 42.5, "Description": "2x4s"}],
        },
    )
    iid = _connect(client)

    run = _sync(client, backend, iid)
    assert run.status == "success", run.error
    assert run.counts.created == 2 + 1 + 2 + 1 + 1  # customers pushed, customer pulled, invoices, pulled, expense
    assert sorted(c["DisplayName"] for c in state.entities["Customer"].values()) == [
        "Bay Builders",
        "Harbor Homes",
        "Remote Roofing",
    ]
    pushed = {i["DocNumber"]: i for i in state.entities["Invoice"].values()}
    assert pushed["INV-1001"]["TotalAmt"] == 1250.0 and pushed["INV-1002"]["Line"][0]["Amount"] == 99.99
    assert pushed["INV-1001"]["Line"][0]["SalesItemLineDetail"] == {"ItemRef": {"value": "1"}}
    assert {c.name for c in data.clients()} >= {"Remote Roofing"}
    assert "QB-77" in {i.invoice_number for i in data.invoices()}
    expenses = list(client.integrations.records(iid, kind="expense"))
    assert [(e.data["vendor"], e.data["total"]) for e in expenses] == [("Lumber Co", 42.5)]
    (expense,) = list(client.integrations.expenses(iid))
    assert (expense.vendor, expense.total, expense.payment_type, str(expense.txn_date)) == (
        "Lumber Co",
        42.5,
        "CreditCard",
        "2026-11-03",
    )
    assert [(line.amount, line.description) for line in expense.lines] == [(42.5, "2x4s")]
    assert client.integrations.retrieve(iid).sync_status == "success"

    writes = state.writes
    state.queries.clear()
    again = _sync(client, backend, iid)
    assert state.queries and all("where MetaData.LastUpdatedTime >= '" in q for q in state.queries)  # changes only
    assert again.status == "success" and again.counts.created == 0 and again.counts.updated == 0
    assert state.writes == writes  # the second sync wrote nothing to QuickBooks
    assert len(state.entities["Invoice"]) == 3 and len(data.invoices()) == 3  # and created no duplicates

    state.pay(pushed["INV-1001"]["Id"])  # paid in QuickBooks
    data.touch_client(builder.id, email="billing@bay.example")  # edited locally
    third = _sync(client, backend, iid)
    assert third.status == "success" and third.counts.updated == 2
    local_inv = next(i for i in data.invoices() if i.invoice_number == "INV-1001")
    assert local_inv.status == "paid"
    assert data.paid_events == [{"invoice_id": local_inv.id, "paid_cents": 125_000, "paid_at": "2026-11-30"}]
    remote_builder = next(c for c in state.entities["Customer"].values() if c["DisplayName"] == "Bay Builders")
    assert (
        remote_builder["PrimaryEmailAddr"] == {"Address": "billing@bay.example"} and remote_builder["SyncToken"] == "1"
    )
    runs = list(client.integrations.sync_runs(iid))
    assert [r.id for r in runs] == sorted((r.id for r in runs), reverse=True) and len(runs) == 3
    usage = client.usage.integrations()
    assert [(u.provider, u.sync_runs) for u in usage] == [("quickbooks", 3)]


def test_second_sync_while_running_is_409(world: tuple[CortexBuild, qb.QBState, MemoryData, Backend]) -> None:
    from cortexbuild_sdk import ConflictError

    client, state, _data, backend = world
    iid = _connect(client)
    gate = __import__("threading").Event()
    backend.connectors.sleep = lambda s: gate.wait(10)
    state.throttle_next = 1  # the first query is throttled: the run waits on our gate
    run = client.integrations.sync(iid)
    assert run is not None
    with pytest.raises(ConflictError) as caught:
        client.integrations.sync(iid)
    assert caught.value.code == "sync_in_progress"
    gate.set()
    backend.wait_for_syncs()
    assert client.integrations.sync_run(iid, run.id).status == "success"  # after honouring the 429


def test_faults_are_clear_errors(world: tuple[CortexBuild, qb.QBState, MemoryData, Backend]) -> None:
    client, state, data, backend = world
    data.add_invoice(999, "ORPHAN", 100)  # its client does not exist anywhere
    iid = _connect(client)
    state.access.clear()  # QuickBooks now refuses the token: 401 AUTHENTICATION Fault -> refresh -> retry
    run = _sync(client, backend, iid)
    assert run.status == "error" and run.counts.failed == 1
    assert "client 999 is not synced" in (run.error or "")
    state.access.clear()
    state.refresh.clear()  # and the refresh token is revoked: invalid_grant
    final = _sync(client, backend, iid)
    assert final.status == "error" and "reauthorization" in (final.error or "")
    assert client.integrations.retrieve(iid).error


def test_incremental_sync_links_new_clients_by_name(world: tuple[CortexBuild, qb.QBState, MemoryData, Backend]) -> None:
    client, state, data, backend = world
    data.add_client("First Co")
    iid = _connect(client)
    assert _sync(client, backend, iid).status == "success"
    # Later: QuickBooks gets "O'Brien Builders" by hand (changed long ago as far as the cursor knows) and the
    # same client is added locally: linked through an IN query, not created twice (DisplayName is unique).
    twin = state.add("Customer", {"DisplayName": "O'Brien Builders"})
    twin["MetaData"] = {"CreateTime": "2020-01-01T00:00:00-08:00", "LastUpdatedTime": "2020-01-01T00:00:00-08:00"}
    local = data.add_client("O'Brien Builders")
    state.queries.clear()
    run = _sync(client, backend, iid)
    assert run.status == "success", run.error
    assert any(" where DisplayName IN ('O\\'Brien Builders') " in q for q in state.queries), state.queries
    assert sum(c["DisplayName"] == "O'Brien Builders" for c in state.entities["Customer"].values()) == 1
    new_invoice_customer = twin["Id"]
    state.add(
        "Invoice",
        {
            "CustomerRef": {"value": new_invoice_customer},
            "DocNumber": "QB-9",
            "TxnDate": "2026-11-05",
            "TotalAmt": 10.0,
            "Balance": 10.0,
            "Line": [],
        },
    )
    assert _sync(client, backend, iid).counts.created == 1  # the new remote invoice, found incrementally
    assert any(i.invoice_number == "QB-9" and i.client_id == local.id for i in data.invoices())


def test_a_fault_in_a_batch_item_is_a_clear_error(world: tuple[CortexBuild, qb.QBState, MemoryData, Backend]) -> None:
    client, state, data, backend = world
    builder = data.add_client("Bay Builders")
    iid = _connect(client)
    assert _sync(client, backend, iid).status == "success"
    state.entities["Customer"].clear()  # the customer was removed in QuickBooks (merged away)
    data.add_invoice(builder.id, "INV-7", 700)
    run = _sync(client, backend, iid)
    assert run.status == "error" and run.counts.failed == 1
    assert "invoice" in (run.error or "") and "Invalid Reference Id (code 2500)" in (run.error or "")
    assert state.entities["Invoice"] == {}  # nothing half-written

"""QuickBooks sync against the loopback QuickBooks emulator at two sizes (500 and 5,000 invoices by default).

Prints, per size, as medians over ``--repeats`` fresh stores: the first sync's time, the requests it made and
the writes QuickBooks received; the second sync's time, requests, writes (must be 0: nothing changed) and the
local rows it read (must be 0: it reads from the cursor the first sync saved); a third sync after
``--changes`` invoices were edited (rows read and writes must equal ``--changes``); and two baselines
measured in the same run: reading every local client and invoice (what a second sync read before the
cursor) and the same number of bare ``httpx`` round trips to the emulator as the first sync made.

The local side is the real construction domain: the clients and invoices are rows of the ``clients`` and
``invoices`` tables (inserted in one transaction through the migrations' schema, as the invoice service would
store them, so setting up 5,000 invoices takes well under a second), read by the connectors' default
``DomainData``. The emulator runs in this process (uvicorn thread) and shares its GIL: absolute times include
the emulator's own work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from flat_costs import report_scaling  # noqa: E402

from connectors.counting import CountingData, Reads  # noqa: E402
from cortexbuild_sdk import CortexBuild  # noqa: E402
from cortexbuild_sdk.local import Backend  # noqa: E402
from cortexbuild_sdk.local.connectors.domain_data import DomainData  # noqa: E402
from cortexbuild_sdk.local.services.context import Ctx  # noqa: E402
from emulators import quickbooks as qb  # noqa: E402
from emulators.server import serve  # noqa: E402


def _sync(client: CortexBuild, backend: Backend, iid: int) -> tuple[float, str, dict[str, int]]:
    started = time.perf_counter()
    run = client.integrations.sync(iid)
    assert run is not None
    backend.wait_for_syncs(600)
    elapsed = time.perf_counter() - started
    done = client.integrations.sync_run(iid, run.id)
    return elapsed, done.status + (f" ({done.error})" if done.error else ""), done.counts.to_dict()


def _seed(backend: Backend, invoices: int, clients: int) -> None:
    """``clients`` clients and ``invoices`` draft invoices of two lines each, as the services store them."""
    now = int(time.time() * 1000)
    with backend.db.write() as conn:
        company = conn.execute("SELECT company_id FROM accounts WHERE id = ?", (backend.account_id,)).fetchone()[0]
        tenant = (backend.account_id, company)
        conn.executemany(
            "INSERT INTO clients (account_id, company_id, name, email, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(*tenant, f"Client {c:04d}", f"ap{c}@client.example", now, now) for c in range(clients)],
        )
        ids = [r[0] for r in conn.execute("SELECT id FROM clients WHERE account_id = ? ORDER BY id", tenant[:1])]
        rows = []
        for n in range(invoices):
            labour, materials = 6_000 + n, 4_000
            items = [
                {"description": "Labour", "quantity": 1, "unit_price": labour / 100, "amount": labour / 100},
                {"description": "Materials", "quantity": 1, "unit_price": materials / 100, "amount": materials / 100},
            ]
            total = labour + materials
            rows.append((*tenant, ids[n % clients], f"INV-{n:05d}", "2026-11-01", "2026-12-01", total, total,
                         total, json.dumps(items), now, now))  # fmt: skip
        conn.executemany(
            "INSERT INTO invoices (account_id, company_id, client_id, invoice_number, status, issue_date, due_date,"
            " subtotal, tax_rate, tax_amount, total, paid_amount, balance, items, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, '0', 0, ?, 0, ?, ?, ?, ?)",
            rows,
        )


def one_run(invoices: int, clients: int, changes: int) -> dict[str, float]:
    state = qb.QBState()
    rows = Reads()  # rows the sync reads from the domain tables
    contexts: list[Ctx] = []

    def local_data(ctx: Ctx) -> CountingData:
        contexts.append(ctx)
        return CountingData(ctx, rows)

    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(qb.app(state)) as url,
        Backend(
            Path(tmp) / "bench.db",
            oauth={"quickbooks": {"client_id": qb.CLIENT_ID, "client_secret": qb.CLIENT_SECRET}},
            provider_urls={"quickbooks": url},
            local_data=local_data,
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        _seed(backend, invoices, clients)
        auth = client.integrations.oauth.authorize("quickbooks", redirect_uri="http://127.0.0.1/cb", name="QB")
        iid = client.integrations.oauth.callback("quickbooks", code="good-code", state=auth.state, realm_id=qb.REALM).id

        def requests_logged() -> int:
            with backend.db.read() as conn:
                return int(
                    conn.execute("SELECT COUNT(*) FROM provider_requests WHERE integration_id = ?", (iid,)).fetchone()[
                        0
                    ]
                )

        t1, status1, counts1 = _sync(client, backend, iid)
        req1, writes1 = requests_logged(), state.writes
        rows.rows = 0
        t2, status2, counts2 = _sync(client, backend, iid)
        req2, writes2, rows2 = requests_logged() - req1, state.writes - writes1, rows.rows
        assert status1 == status2 == "success", (status1, status2)
        assert writes2 == 0 and counts2["created"] == counts2["updated"] == 0, counts2
        assert len(state.entities["Invoice"]) == invoices
        edited = [inv.id for inv in client.invoices.list(limit=changes).data]
        for invoice_id in edited:
            client.invoices.update(invoice_id, notes="revised")
        rows.rows = 0
        t3, status3, counts3 = _sync(client, backend, iid)
        writes3, rows3 = state.writes - writes1, rows.rows
        assert status3 == "success" and counts3["updated"] == writes3 == rows3 == changes, (counts3, writes3, rows3)
        full = DomainData(contexts[0])  # the baseline: what the second sync read before the cursor
        started = time.perf_counter()
        full_rows = len(list(full.clients())) + len(list(full.invoices()))
        full_read = time.perf_counter() - started
        token = next(iter(state.access))
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:  # the baseline: bare round trips
            started = time.perf_counter()
            for _ in range(req1):
                http.get(f"{url}/v3/company/{qb.REALM}/companyinfo/{qb.REALM}", params={"minorversion": "75"})
            bare = time.perf_counter() - started
    return {
        "t1": t1,
        "req1": req1,
        "writes1": writes1,
        "created1": counts1["created"],
        "t2": t2,
        "req2": req2,
        "writes2": writes2,
        "rows2": rows2,
        "t3": t3,
        "rows3": rows3,
        "writes3": writes3,
        "full_read": full_read,
        "full_rows": full_rows,
        "bare": bare,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="invoice counts to run, comma-separated")
    parser.add_argument("--invoices-per-client", type=int, default=25)
    parser.add_argument("--changes", type=int, default=10, help="invoices edited before the third sync")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    second: dict[int, float] = {}
    for invoices in (int(n) for n in args.sizes.split(",")):
        clients = max(1, invoices // args.invoices_per_client)
        runs = [one_run(invoices, clients, args.changes) for _ in range(args.repeats)]

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        second[invoices] = med("t2")
        print(f"QuickBooks sync of {invoices} invoices / {clients} customers (median of {args.repeats})")
        print(
            f"  first sync : {med('t1'):7.3f} s  {med('req1'):6.0f} requests  {med('writes1'):6.0f} QuickBooks"
            f" writes  ({med('created1'):.0f} objects created)"
        )
        print(
            f"  second sync: {med('t2'):7.3f} s  {med('req2'):6.0f} requests  {med('writes2'):6.0f} QuickBooks"
            f" writes  {med('rows2'):6.0f} local rows read"
        )
        print(
            f"  third sync : {med('t3'):7.3f} s  after {args.changes} invoice edits: {med('rows3'):.0f} local rows"
            f" read, {med('writes3'):.0f} QuickBooks writes"
        )
        print(
            f"  baseline   : {med('full_read'):7.3f} s  to read all {med('full_rows'):.0f} local clients and invoices"
            " (the second sync's local read before the cursor)"
        )
        print(f"  baseline   : {med('bare'):7.3f} s  for {med('req1'):.0f} bare httpx round trips to the emulator")
        print(
            f"  ratio      : first sync {med('t1') / med('bare'):.1f}x the bare round trips;"
            f" second sync {med('t2') / med('t1'):.3f}x the first"
        )
        print(f"  invoices/s : {invoices / med('t1'):.0f} (first sync)")
    report_scaling(second, "invoices")


if __name__ == "__main__":
    main()

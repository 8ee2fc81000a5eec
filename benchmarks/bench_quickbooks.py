"""QuickBooks sync of 5,000 invoices against the loopback QuickBooks emulator (issue 11).

Prints, as medians over ``--repeats`` fresh stores: the first sync's time, the requests it made and the writes
QuickBooks received; the second sync's time, requests and writes (must be 0: nothing changed); and the same
number of bare ``httpx`` round trips to the emulator as a baseline measured in the same run.

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

from cortexbuild_sdk import CortexBuild  # noqa: E402
from cortexbuild_sdk.local import Backend  # noqa: E402
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


def one_run(invoices: int, clients: int) -> dict[str, float]:
    state = qb.QBState()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(qb.app(state)) as url,
        Backend(
            Path(tmp) / "bench.db",
            oauth={"quickbooks": {"client_id": qb.CLIENT_ID, "client_secret": qb.CLIENT_SECRET}},
            provider_urls={"quickbooks": url},
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
        t2, status2, counts2 = _sync(client, backend, iid)
        req2, writes2 = requests_logged() - req1, state.writes - writes1
        assert status1 == status2 == "success", (status1, status2)
        assert writes2 == 0 and counts2["created"] == counts2["updated"] == 0, counts2
        assert len(state.entities["Invoice"]) == invoices
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
        "bare": bare,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.invoices, args.clients) for _ in range(args.repeats)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"QuickBooks sync of {args.invoices} invoices / {args.clients} customers (median of {args.repeats})")
    print(
        f"  first sync : {med('t1'):7.2f} s  {med('req1'):6.0f} requests  {med('writes1'):6.0f} QuickBooks writes"
        f"  ({med('created1'):.0f} objects created)"
    )
    print(f"  second sync: {med('t2'):7.2f} s  {med('req2'):6.0f} requests  {med('writes2'):6.0f} QuickBooks writes")
    print(f"  baseline   : {med('bare'):7.2f} s  for {med('req1'):.0f} bare httpx round trips to the emulator")
    print(
        f"  ratio      : first sync {med('t1') / med('bare'):.1f}x the bare round trips;"
        f" second sync {med('t2') / med('t1'):.2f}x the first"
    )
    print(f"  invoices/s : {args.invoices / med('t1'):.0f} (first sync)")


if __name__ == "__main__":
    main()

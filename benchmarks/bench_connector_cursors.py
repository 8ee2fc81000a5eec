"""Xero, Stripe and Google Drive syncs at two sizes (500 and 5,000 by default): a repeat sync is O(what changed).

Xero (the default) prints, per size, as medians over ``--repeats`` fresh stores: the first sync's time and
the contacts Xero received; the second sync's time, the local rows it read and the contacts it sent (both
must be 0: nothing changed); a third sync after ``--changes`` clients were renamed (rows read and contacts
sent must equal ``--changes``); and a baseline measured in the same run: reading every local client and every
contact mapping, which is what a second sync read before the local cursor. The same cursor serves Mailchimp,
Google Drive and Slack (``local/connectors/cursor.py``).

Xero is answered by a minimal loopback app (``POST /api.xro/2.0/Contacts``, arrays of 50 as the connector
sends them) running in this process: absolute times include its work.

Stripe (``--stripe``): N succeeded PaymentIntents, one a minute up to now, each with its
``payment_intent.succeeded`` event, the newest 10 naming CortexBuild invoices; a loopback app answers
``GET /v1/payment_intents`` and ``GET /v1/events`` (newest first, ``limit``/``starting_after``,
``type``/``created[gte]``). Prints the requests and time of the first sync (the whole list), of the second
(nothing new: one events page), of a third after ``--changes`` intents succeeded (recorded from their
events), and of a repeat sync with the cursor deleted: what every sync did before the events cursor.

Google Drive (``--drive``, sizes are Drive files, 10 a project folder): the loopback Drive emulator of the
tests (``tests/emulators/google_drive.py``). A first sync creates the project folders (one local document
each); N files are then added in Drive and imported by the next sync (its changes feed); prints the requests
and time of a repeat sync with nothing changed, of one after ``--changes`` files were edited in Drive, and of
a repeat sync with the changes cursor deleted: the folders listed whole, what every sync did before the feed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from flat_costs import report_scaling  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from connectors.counting import CountingData, Reads  # noqa: E402
from cortexbuild_sdk import CortexBuild  # noqa: E402
from cortexbuild_sdk.local import Backend  # noqa: E402
from cortexbuild_sdk.local.connectors.domain_data import DomainData  # noqa: E402
from cortexbuild_sdk.local.services.connections import open_session  # noqa: E402
from cortexbuild_sdk.local.services.context import Ctx  # noqa: E402
from cortexbuild_sdk.resources._domain import ItemParam  # noqa: E402
from emulators import google_drive as gd  # noqa: E402
from emulators.server import serve  # noqa: E402


def xero_app(received: list[int]) -> Starlette:
    async def contacts(request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        answered = []
        for contact in body["Contacts"]:
            received[0] += 1
            answered.append({**contact, "ContactID": contact.get("ContactID") or f"ct-{received[0]}"})
        return JSONResponse({"Contacts": answered})

    return Starlette(routes=[Route("/api.xro/2.0/Contacts", contacts, methods=["POST"])])


def _seed(backend: Backend, clients: int) -> None:
    now = int(time.time() * 1000)
    with backend.db.write() as conn:
        company = conn.execute("SELECT company_id FROM accounts WHERE id = ?", (backend.account_id,)).fetchone()[0]
        tenant = (backend.account_id, company)
        conn.executemany(
            "INSERT INTO clients (account_id, company_id, name, email, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(*tenant, f"Client {c:05d}", f"ap{c}@client.example", now, now) for c in range(clients)],
        )


def _sync(client: CortexBuild, backend: Backend, iid: int) -> float:
    started = time.perf_counter()
    run = client.integrations.sync(iid)
    assert run is not None
    backend.wait_for_syncs(600)
    elapsed = time.perf_counter() - started
    done = client.integrations.sync_run(iid, run.id)
    assert done.status == "success", done.error
    return elapsed


def one_run(clients: int, changes: int) -> dict[str, float]:
    received, rows = [0], Reads()  # rows the sync reads from the domain tables
    contexts: list[Ctx] = []

    def local_data(ctx: Ctx) -> CountingData:
        contexts.append(ctx)
        return CountingData(ctx, rows)

    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(xero_app(received)) as url,
        Backend(Path(tmp) / "bench.db", provider_urls={"xero": url}, local_data=local_data) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        _seed(backend, clients)
        iid = client.integrations.create(
            provider="xero", name="Xero", credentials={"accessToken": "at", "tenantId": "t"}
        ).id
        t1 = _sync(client, backend, iid)
        sent1 = received[0]
        rows.rows = 0
        t2 = _sync(client, backend, iid)
        rows2, sent2 = rows.rows, received[0] - sent1
        assert rows2 == sent2 == 0, (rows2, sent2)
        for c in client.clients.list(limit=changes).data:
            client.clients.update(c.id, name=f"{c.name} Ltd")
        rows.rows = 0
        t3 = _sync(client, backend, iid)
        rows3, sent3 = rows.rows, received[0] - sent1
        assert rows3 == sent3 == changes, (rows3, sent3)
        started = time.perf_counter()  # the baseline: the second sync's local reads before the cursor
        full_rows = len(list(DomainData(contexts[0]).clients()))
        full_rows += len(open_session(contexts[0], iid).mappings("contact"))
        full_read = time.perf_counter() - started
    return {"t1": t1, "sent1": sent1, "t2": t2, "rows2": rows2, "t3": t3, "rows3": rows3, "sent3": sent3,
            "full_read": full_read, "full_rows": full_rows}  # fmt: skip


class StripeState:
    """N succeeded PaymentIntents, one a minute up to now, newest first, each with its event."""

    def __init__(self) -> None:
        self.intents: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.requests = 0

    def seed(self, intents: int, invoices: list[int]) -> None:
        now = int(time.time())
        for k in range(intents):  # the newest first; the newest len(invoices) name CortexBuild invoices
            meta = {"cortexbuild_invoice_id": str(invoices[k])} if k < len(invoices) else {}
            self.intents.append(self._intent(f"pi_{k}", now - 60 * (k + 1), meta))
        self.events = [self._event(i) for i in self.intents]

    @staticmethod
    def _intent(pid: str, created: int, meta: dict[str, str]) -> dict[str, Any]:
        return {"id": pid, "object": "payment_intent", "status": "succeeded", "amount_received": 10_000,
                "currency": "usd", "metadata": meta, "created": created}  # fmt: skip

    @staticmethod
    def _event(intent: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"evt_{intent['id']}", "object": "event", "type": "payment_intent.succeeded",
                "created": intent["created"], "data": {"object": intent}}  # fmt: skip

    def succeed(self, pid: str, invoice: int) -> None:
        intent = self._intent(pid, int(time.time()), {"cortexbuild_invoice_id": str(invoice)})
        self.intents.insert(0, intent)
        self.events.insert(0, self._event(intent))


def _stripe_page(items: list[dict[str, Any]], request: Request) -> JSONResponse:
    limit, after = int(request.query_params.get("limit", "10")), request.query_params.get("starting_after")
    start = next((n + 1 for n, i in enumerate(items) if i["id"] == after), 0) if after else 0
    return JSONResponse(
        {"object": "list", "data": items[start : start + limit], "has_more": start + limit < len(items)}
    )


def stripe_app(state: StripeState) -> Starlette:
    async def intents(request: Request) -> JSONResponse:
        state.requests += 1
        return _stripe_page(state.intents, request)

    async def events(request: Request) -> JSONResponse:
        state.requests += 1
        since = int(request.query_params.get("created[gte]", "0"))
        return _stripe_page([e for e in state.events if e["created"] >= since], request)

    return Starlette(routes=[Route("/v1/payment_intents", intents), Route("/v1/events", events)])


def stripe_run(intents: int, changes: int) -> dict[str, float]:
    state, out = StripeState(), {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(stripe_app(state)) as url,
        Backend(Path(tmp) / "bench.db", provider_urls={"stripe": url}, local_data=DomainData) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        cid = client.clients.create(name="Bay Builders").id
        items: list[ItemParam] = [{"description": "Labour", "quantity": "1", "unit_price": "100.00"}]
        create = client.invoices.create
        invoices = [
            create(client_id=cid, issue_date="2026-01-05", due_date="2026-02-05", items=items).id
            for _ in range(10 + changes)
        ]
        state.seed(intents, invoices[:10])
        iid = client.integrations.create(provider="stripe", name="Stripe", credentials={"apiKey": "sk_test_b"}).id
        for name in ("1", "2", "3", "full"):
            if name == "3":
                for n in range(changes):
                    state.succeed(f"pi_new_{n}", invoices[10 + n])
            if name == "full":  # the cursor deleted: a repeat sync as every sync was before the events cursor
                with backend.db.write() as conn:
                    conn.execute("DELETE FROM connector_mappings WHERE integration_id = ? AND kind = 'cursor'", (iid,))
            before = state.requests
            out[f"t{name}"] = _sync(client, backend, iid)
            out[f"req{name}"] = state.requests - before
        assert out["req2"] == out["req3"] == 1, out  # one events page: nothing new, then `changes` new events
        assert [client.invoices.retrieve(i).status for i in invoices] == ["paid"] * len(invoices)
    return out


def stripe_runs(sizes: list[int], changes: int, repeats: int) -> None:
    second: dict[int, float] = {}
    for intents in sizes:
        runs = [stripe_run(intents, changes) for _ in range(repeats)]

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        second[intents] = med("t2")
        print(f"Stripe payments sync of {intents} PaymentIntents (median of {repeats})")
        print(f"  first sync : {med('t1'):7.3f} s  {med('req1'):5.0f} requests (the whole list, the newest event)")
        print(f"  second sync: {med('t2'):7.3f} s  {med('req2'):5.0f} requests (nothing new: the events since)")
        print(f"  third sync : {med('t3'):7.3f} s  {med('req3'):5.0f} requests after {changes} intents succeeded")
        print(
            f"  baseline   : {med('tfull'):7.3f} s  {med('reqfull'):5.0f} requests (a repeat sync without the cursor)"
        )
    report_scaling(second, "intents")


def drive_run(files: int, changes: int) -> dict[str, float]:
    state, out = gd.DriveState(), {}
    oauth = {"google_drive": {"client_id": gd.CLIENT_ID, "client_secret": gd.CLIENT_SECRET}}
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(gd.app(state)) as url,
        Backend(
            Path(tmp) / "bench.db", oauth=oauth, provider_urls={"google_drive": url}, local_data=DomainData
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        auth = client.integrations.oauth.authorize("google_drive", redirect_uri="http://127.0.0.1/cb", name="D")
        iid = client.integrations.oauth.callback("google_drive", code="good-code", state=auth.state).id
        for p in range(files // 10):
            project = client.projects.create(name=f"Project {p:03d}").id
            client.documents.create(project_id=project, name="plan.pdf", file=b"%PDF")
        _sync(client, backend, iid)  # the project folders
        folders = [fid for fid, f in state.files.items() if f["name"].startswith("Project ")]
        added = [gd.user_upload(state, folders[n % len(folders)], f"photo-{n}.jpg", b"JPEG") for n in range(files)]
        for name in ("import", "2", "3", "full"):
            if name == "3":
                for fid in added[:changes]:
                    gd.user_edit(state, fid, b"JPEG edited")
            if name == "full":  # the changes cursor deleted: every project folder listed, as before the feed
                with backend.db.write() as conn:
                    conn.execute("DELETE FROM connector_mappings WHERE integration_id = ? AND kind = 'cursor'", (iid,))
            before = len(state.requests)
            out[f"t{name}"] = _sync(client, backend, iid)
            out[f"req{name}"] = len(state.requests) - before
        assert out["req2"] == 1 and out["req3"] == 1 + changes, out  # one changes page, the edited downloaded
    return out


def drive_runs(sizes: list[int], changes: int, repeats: int) -> None:
    for files in sizes:
        runs = [drive_run(files, changes) for _ in range(repeats)]

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        print(f"Google Drive pull of {files} files in {files // 10} project folders (median of {repeats})")
        print(
            f"  import     : {med('timport'):7.3f} s  {med('reqimport'):5.0f} requests (the files added, via the feed)"
        )
        print(f"  repeat     : {med('t2'):7.3f} s  {med('req2'):5.0f} requests (nothing changed: one changes page)")
        print(f"  changed    : {med('t3'):7.3f} s  {med('req3'):5.0f} requests after {changes} files edited in Drive")
        print(f"  baseline   : {med('tfull'):7.3f} s  {med('reqfull'):5.0f} requests (no cursor: every folder listed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="client counts to run, comma-separated")
    parser.add_argument("--changes", type=int, default=10, help="clients renamed before the third sync")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stripe", action="store_true", help="the Stripe sync instead of Xero's")
    parser.add_argument("--drive", action="store_true", help="the Google Drive pull instead of Xero's sync")
    args = parser.parse_args()
    if args.drive:
        drive_runs([int(n) for n in args.sizes.split(",")], args.changes, args.repeats)
        return
    if args.stripe:
        stripe_runs([int(n) for n in args.sizes.split(",")], args.changes, args.repeats)
        return
    second: dict[int, float] = {}
    for clients in (int(n) for n in args.sizes.split(",")):
        runs = [one_run(clients, args.changes) for _ in range(args.repeats)]

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        second[clients] = med("t2")
        print(f"Xero contacts sync of {clients} clients (median of {args.repeats})")
        print(f"  first sync : {med('t1'):7.3f} s  {med('sent1'):6.0f} contacts sent")
        print(f"  second sync: {med('t2'):7.3f} s  {med('rows2'):6.0f} local rows read, 0 contacts sent")
        print(
            f"  third sync : {med('t3'):7.3f} s  after {args.changes} renames: {med('rows3'):.0f} local rows read,"
            f" {med('sent3'):.0f} contacts sent"
        )
        print(
            f"  baseline   : {med('full_read'):7.3f} s  to read all {med('full_rows'):.0f} clients and contact"
            " mappings (the second sync's local read before the cursor)"
        )
    report_scaling(second, "clients")


if __name__ == "__main__":
    main()

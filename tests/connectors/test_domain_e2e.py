"""The whole path on the real construction domain (no ``local_data=`` override), over real sockets to the
QuickBooks, Slack and Google Drive emulators: connect through OAuth, sync, and automations fired by domain
changes made through the client (an RFI posts to Slack, an invoice is created in QuickBooks, an uploaded
document is backed up to Drive)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.types import SyncRun
from emulators import google_drive as gd
from emulators import quickbooks as qb
from emulators import slack
from emulators.server import serve

OAUTH = {
    "quickbooks": {"client_id": qb.CLIENT_ID, "client_secret": qb.CLIENT_SECRET},
    "slack": {"client_id": slack.CLIENT_ID, "client_secret": slack.CLIENT_SECRET},
    "google_drive": {"client_id": gd.CLIENT_ID, "client_secret": gd.CLIENT_SECRET},
}


@dataclass
class World:
    client: CortexBuild
    backend: Backend
    books: qb.QBState
    chat: slack.SlackState
    drive: gd.DriveState


@pytest.fixture
def world() -> Iterator[World]:
    books, chat, drive = qb.QBState(), slack.SlackState(), gd.DriveState()
    with (
        serve(qb.app(books)) as qb_url,
        serve(slack.app(chat)) as slack_url,
        serve(gd.app(drive)) as drive_url,
        Backend(
            oauth=OAUTH, provider_urls={"quickbooks": qb_url, "slack": slack_url, "google_drive": drive_url}
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        backend.connectors.sleep = lambda s: None
        yield World(client, backend, books, chat, drive)


def _connect(client: CortexBuild, provider: str, automations: list[dict[str, object]], **extra: str) -> int:
    auth = client.integrations.oauth.authorize(provider, redirect_uri="http://127.0.0.1/cb", name=provider)
    iid = client.integrations.oauth.callback(provider, code="good-code", state=auth.state, **extra).id
    config = client.integrations.retrieve(iid).config or {}  # PATCH replaces config: keep realmId
    client.integrations.update(iid, config={**config, "automations": automations})
    return iid


def _sync(w: World, iid: int) -> SyncRun:
    run = w.client.integrations.sync(iid)
    assert run is not None
    w.backend.wait_for_syncs()
    return w.client.integrations.sync_run(iid, run.id)


def _events(w: World, event: str) -> int:
    with w.backend.db.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM webhook_events WHERE event_type = ?", (event,)).fetchone()[0])


def test_quickbooks_on_the_domain(world: World) -> None:
    w, c = world, world.client
    builder = c.clients.create(name="Bay Builders", email="ap@bay.example")
    first = c.invoices.create(
        client_id=builder.id,
        issue_date="2026-11-01",
        due_date="2026-12-01",
        items=[{"description": "Foundations", "quantity": 2, "unit_price": "625.00"}],
    )
    iid = _connect(c, "quickbooks", [{"event": "invoice.created", "action": "quickbooks.push_invoice"}],
                   realm_id=qb.REALM)  # fmt: skip
    run = _sync(w, iid)
    assert run.status == "success", run.error
    pushed = {i["DocNumber"]: i for i in w.books.entities["Invoice"].values()}
    assert pushed[first.invoice_number]["TotalAmt"] == 1250.0
    assert [x["DisplayName"] for x in w.books.entities["Customer"].values()] == ["Bay Builders"]

    # The automation: an invoice created through the API is created in QuickBooks, once.
    second = c.invoices.create(
        client_id=builder.id,
        issue_date="2026-11-02",
        due_date="2026-12-02",
        items=[{"description": "Framing", "quantity": 1, "unit_price": "99.99"}],
    )
    w.backend.wait_for_syncs()
    (job,) = list(c.integrations.automation_runs(iid))
    assert job.status == "done" and job.result is not None and job.result["created"] is True
    mine = [i for i in w.books.entities["Invoice"].values() if i["DocNumber"] == second.invoice_number]
    assert len(mine) == 1 and mine[0]["TotalAmt"] == 99.99

    # A second sync writes nothing; QuickBooks' invoice created by hand comes in as a sent invoice.
    writes = w.books.writes
    again = _sync(w, iid)
    assert again.status == "success" and (again.counts.created, again.counts.updated) == (0, 0)
    assert w.books.writes == writes

    # Paid in QuickBooks: paid locally through the invoice service, which emits invoice.paid.
    w.books.pay(pushed[first.invoice_number]["Id"])
    assert _events(w, "invoice.paid") == 0
    paid_run = _sync(w, iid)
    assert paid_run.status == "success", paid_run.error
    local = c.invoices.retrieve(first.id)
    assert local.status == "paid" and local.balance == 0 and local.paid_at is not None
    assert _events(w, "invoice.paid") == 1
    assert w.books.writes == writes  # the payment came in; nothing went out


def test_invoices_pulled_from_quickbooks_are_not_pushed_back(world: World) -> None:
    w, c = world, world.client
    remote = w.books.add("Customer", {"DisplayName": "Remote Roofing"})
    w.books.add(
        "Invoice",
        {
            "CustomerRef": {"value": remote["Id"]},
            "DocNumber": "QB-77",
            "TxnDate": "2026-11-02",
            "DueDate": "2099-01-01",
            "TotalAmt": 500.0,
            "Balance": 200.0,
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 500.0, "Description": "Roof"}],
        },
    )
    iid = _connect(c, "quickbooks", [{"event": "invoice.created", "action": "quickbooks.push_invoice"}],
                   realm_id=qb.REALM)  # fmt: skip
    assert _sync(w, iid).status == "success"
    w.backend.wait_for_syncs()  # the invoice.created automation the pull fired
    (pulled,) = list(c.invoices.list())
    assert (pulled.invoice_number, pulled.status, pulled.balance, pulled.total) == ("QB-77", "sent", 200, 500)
    assert [x.name for x in c.clients.list()] == ["Remote Roofing"]
    (job,) = list(c.integrations.automation_runs(iid))
    assert job.status == "done" and job.result is not None and job.result["created"] is False
    assert len(w.books.entities["Invoice"]) == 1  # linked to its twin, never copied


def test_rfi_created_posts_to_slack(world: World) -> None:
    w, c = world, world.client
    rule = {"event": "rfi.created", "action": "slack.send_message", "params": {"channel": "#rfis"}}
    iid = _connect(c, "slack", [rule])
    assert _sync(w, iid).status == "success"  # auth.test
    project = c.projects.create(name="Tower A")
    rfi = c.rfis.create(project_id=project.id, subject="Beam depth", question="W12 or W14 at grid C?")
    w.backend.wait_for_syncs()
    assert [(m["channel"], m["text"]) for m in w.chat.messages] == [
        ("C0RFIS", f"New RFI *{rfi.rfi_number}*: Beam depth")
    ]
    (job,) = list(c.integrations.automation_runs(iid))
    assert job.event == "rfi.created" and job.status == "done" and job.params["channel"] == "#rfis"


def test_uploaded_document_is_backed_up_to_drive_and_drive_edits_come_back(world: World) -> None:
    w, c = world, world.client
    iid = _connect(c, "google_drive", [{"event": "document.uploaded", "action": "google_drive.upload_document"}])
    project = c.projects.create(name="Tower A")
    pdf = "application/pdf"
    doc = c.documents.create(project_id=project.id, name="plan.pdf", file=b"%PDF-1.7 plan", content_type=pdf)
    w.backend.wait_for_syncs()
    (file,) = [f for f in w.drive.files.values() if f["name"] == "plan.pdf"]
    assert w.drive.content[file["id"]] == [b"%PDF-1.7 plan"]
    folder = w.drive.files[file["parents"][0]]
    assert folder["name"] == "Tower A"

    first = _sync(w, iid)
    assert first.status == "success" and (first.counts.created, first.counts.updated) == (0, 0)

    # Edited in Drive: the sync stores a new version through the documents service (document.uploaded),
    # whose backup finds Drive already holding those bytes: no revision goes back, no loop.
    gd.user_edit(w.drive, file["id"], b"%PDF-1.7 plan rev B")
    pulled = _sync(w, iid)
    assert pulled.status == "success" and pulled.counts.updated == 1
    w.backend.wait_for_syncs()
    versions = [d for d in c.documents.list(project_id=project.id) if d.name == "plan.pdf"]  # newest first
    assert [v.version for v in versions] == [2, 1] and versions[1].id == doc.id
    assert versions[0].parent_document_id == doc.id  # the new version is in the uploaded document's chain
    assert c.documents.download(versions[0].id).content == b"%PDF-1.7 plan rev B"
    assert w.drive.content[file["id"]] == [b"%PDF-1.7 plan", b"%PDF-1.7 plan rev B"]
    # Added in Drive: a new document of the project (its backup is recognised: no copy in Drive).
    gd.user_upload(w.drive, folder["id"], "photo.jpg", b"JPEG", "image/jpeg")
    added = _sync(w, iid)
    assert added.status == "success" and added.counts.created == 1
    w.backend.wait_for_syncs()
    (photo,) = [d for d in c.documents.list(project_id=project.id) if d.name == "photo.jpg"]
    assert (photo.file_type, c.documents.download(photo.id).content) == ("image/jpeg", b"JPEG")
    assert sorted(f["name"] for f in w.drive.files.values()) == ["CortexBuild", "Tower A", "photo.jpg", "plan.pdf"]
    quiet = _sync(w, iid)
    assert quiet.status == "success" and (quiet.counts.created, quiet.counts.updated) == (0, 0)
    assert len(w.drive.content[file["id"]]) == 2
    assert {j.status for j in c.integrations.automation_runs(iid)} == {"done"}


def test_connectors_see_only_their_environments_data(world: World) -> None:
    from cortexbuild_sdk import NotFoundError

    w, c = world, world.client
    live = c.clients.create(name="Live Client")
    invoice = c.invoices.create(client_id=live.id, issue_date="2026-11-01", due_date="2026-12-01",
                                items=[{"description": "x", "quantity": 1, "unit_price": "1.00"}])  # fmt: skip
    sandbox = c.sandboxes.create(name="dev", config={"sampleDataEnabled": False})
    with CortexBuild.local(backend=w.backend, api_key=sandbox.secret, max_retries=0) as sc:
        iid = sc.integrations.create(
            provider="quickbooks", name="q", credentials={"accessToken": "a", "realmId": qb.REALM}
        ).id
        with pytest.raises(NotFoundError):  # the live invoice's id means nothing in the sandbox
            sc.integrations.quickbooks(iid).push_invoice(invoice.id)
        assert list(sc.integrations.requests(iid)) == []  # refused before anything was sent


def test_hostile_provider_objects_are_refused_one_by_one(world: World) -> None:
    w, c = world, world.client
    odd = {"DisplayName": "Odd Co " + "x" * 300, "PrimaryEmailAddr": {"Address": "not an email"}}
    customer = w.books.add("Customer", odd)
    bad = {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 1.0, "Balance": 1.0, "Line": []}
    w.books.add("Invoice", {**bad, "DocNumber": "BAD-DATE", "TxnDate": "2026-13-45"})
    w.books.add("Invoice", {**bad, "DocNumber": "GOOD", "TxnDate": "2026-11-03", "DueDate": "2099-01-01"})
    iid = _connect(c, "quickbooks", [], realm_id=qb.REALM)
    run = _sync(w, iid)
    assert run.status == "error" and run.counts.failed == 1 and "invoice" in (run.error or ""), run.error
    (client,) = list(c.clients.list())
    assert (len(client.name), client.email) == (200, None)  # cut to the field's limit; the bad address dropped
    assert [i.invoice_number for i in c.invoices.list()] == ["GOOD"]  # the bad date stored nothing

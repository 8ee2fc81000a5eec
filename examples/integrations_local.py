"""Connectors end to end on the local backend, against loopback emulators of QuickBooks, Slack and Drive.

Connects each integration through its real OAuth flow and subscribes automations to domain events; then makes
ordinary construction changes through the client: an invoice (created in QuickBooks by the automation), an
RFI (posted to Slack), a document (backed up to Drive). Syncs QuickBooks twice (the second sync writes
nothing), pays the invoice in QuickBooks and watches it become paid locally, and lists the provider request
log. The emulators (tests/emulators/) are built from the providers' documented answers and run on 127.0.0.1.

    python examples/integrations_local.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from emulators import google_drive, quickbooks, slack
from emulators.server import serve

OAUTH = {
    "quickbooks": {"client_id": quickbooks.CLIENT_ID, "client_secret": quickbooks.CLIENT_SECRET},
    "slack": {"client_id": slack.CLIENT_ID, "client_secret": slack.CLIENT_SECRET},
    "google_drive": {"client_id": google_drive.CLIENT_ID, "client_secret": google_drive.CLIENT_SECRET},
}


def connect(client: CortexBuild, provider: str, automations: list[dict[str, Any]], realm_id: str | None = None) -> int:
    auth = client.integrations.oauth.authorize(provider, redirect_uri="http://127.0.0.1/callback", name=provider)
    # A browser would visit auth.authorization_url and come back with ?code=...&state=...
    iid = client.integrations.oauth.callback(provider, code="good-code", state=auth.state, realm_id=realm_id).id
    config = client.integrations.retrieve(iid).config or {}  # PATCH replaces the config: keep what is there
    client.integrations.update(iid, config={**config, "automations": automations})
    return iid


def sync(client: CortexBuild, backend: Backend, iid: int) -> Any:
    run = client.integrations.sync(iid)
    assert run is not None
    backend.wait_for_syncs()
    done = client.integrations.sync_run(iid, run.id)
    assert done.status == "success", done.error
    return done


def main() -> None:
    qb, sl, gd = quickbooks.QBState(), slack.SlackState(), google_drive.DriveState()
    with serve(quickbooks.app(qb)) as qb_url, serve(slack.app(sl)) as sl_url, serve(google_drive.app(gd)) as gd_url:
        urls = {"quickbooks": qb_url, "slack": sl_url, "google_drive": gd_url}
        with Backend(oauth=OAUTH, provider_urls=urls) as backend, CortexBuild.local(backend=backend) as client:
            push = [{"event": "invoice.created", "action": "quickbooks.push_invoice"}]
            books = connect(client, "quickbooks", push, realm_id=quickbooks.REALM)
            rfis = [{"event": "rfi.created", "action": "slack.send_message", "params": {"channel": "#rfis"}}]
            chat = connect(client, "slack", rfis)
            backup = [{"event": "document.uploaded", "action": "google_drive.upload_document"}]
            drive = connect(client, "google_drive", backup)

            builder = client.clients.create(name="Bay Builders", email="ap@bay.example")
            tower = client.projects.create(name="Tower A", client_id=builder.id)
            invoice = client.invoices.create(
                client_id=builder.id,
                project_id=tower.id,
                issue_date="2026-11-01",
                due_date="2099-12-01",
                items=[{"description": "Foundations", "quantity": 1, "unit_price": "1250.00"}],
            )
            rfi = client.rfis.create(project_id=tower.id, subject="Beam depth", question="W12 or W14 at grid C?")
            client.documents.create(project_id=tower.id, name="site-plan.pdf", file=b"%PDF-1.7 ...")
            backend.wait_for_syncs()  # the automations run on the connector worker

            (remote,) = [i for i in qb.entities["Invoice"].values() if i["DocNumber"] == invoice.invoice_number]
            print(f"QuickBooks: {invoice.invoice_number} created as invoice {remote['Id']} ({remote['TotalAmt']})")
            print(f"Slack: {sl.messages[-1]['text']!r} in {sl.messages[-1]['channel']}")
            assert sl.messages[-1]["text"] == f"New RFI *{rfi.rfi_number}*: Beam depth"
            (backed_up,) = [f for f in gd.files.values() if f["name"] == "site-plan.pdf"]
            print(f"Drive: site-plan.pdf backed up as file {backed_up['id']} in 'Tower A'")
            assert gd.content[backed_up["id"]] == [b"%PDF-1.7 ..."]

            writes = qb.writes
            for attempt in (1, 2):
                run = sync(client, backend, books)
                print(f"QuickBooks sync {attempt}: {run.status}, counts {run.counts.to_dict()}")
            assert qb.writes == writes and len(qb.entities["Invoice"]) == 1  # nothing written, no duplicates

            qb.pay(remote["Id"])  # the customer pays in QuickBooks
            sync(client, backend, books)
            paid = client.invoices.retrieve(invoice.id)
            print(f"After a payment in QuickBooks: {paid.invoice_number} is {paid.status}")
            assert paid.status == "paid"
            sync(client, backend, chat)
            sync(client, backend, drive)

            print("QuickBooks request log (newest first):")
            for entry in itertools.islice(client.integrations.requests(books, limit=5), 5):
                print(f"  {entry.method:4} {entry.status} {entry.duration_ms:4} ms {entry.url.split('?')[0]}")
    print("ok")


if __name__ == "__main__":
    main()

"""Connectors end to end on the local backend, against loopback emulators of QuickBooks, Slack and Drive.

Connects each integration through its real OAuth flow, syncs QuickBooks both ways (twice: the second sync
writes nothing), posts to Slack, uploads a document to Drive, and lists the provider request log. The
emulators (tests/emulators/) are built from the providers' documented answers and run on 127.0.0.1; the
local clients, invoices and documents come from the in-memory ``LocalData`` the connector tests use, since
the construction-domain services bind the real one.

    python examples/integrations_local.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from connectors.books import MemoryData
from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.connectors.local_data import LocalDocument
from emulators import google_drive, quickbooks, slack
from emulators.server import serve

OAUTH = {
    "quickbooks": {"client_id": quickbooks.CLIENT_ID, "client_secret": quickbooks.CLIENT_SECRET},
    "slack": {"client_id": slack.CLIENT_ID, "client_secret": slack.CLIENT_SECRET},
    "google_drive": {"client_id": google_drive.CLIENT_ID, "client_secret": google_drive.CLIENT_SECRET},
}


def connect(client: CortexBuild, provider: str, realm_id: str | None = None) -> int:
    auth = client.integrations.oauth.authorize(provider, redirect_uri="http://127.0.0.1/callback", name=provider)
    # A browser would visit auth.authorization_url and come back with ?code=...&state=...
    return client.integrations.oauth.callback(provider, code="good-code", state=auth.state, realm_id=realm_id).id


def main() -> None:
    qb, sl, gd, data = quickbooks.QBState(), slack.SlackState(), google_drive.DriveState(), MemoryData()
    builder = data.add_client("Bay Builders", "ap@bay.example")
    data.add_invoice(builder.id, "INV-1001", 1_250_00)
    data.documents_[1] = LocalDocument(1, "site-plan.pdf", "application/pdf", b"%PDF-1.7 ...", 1, 4, "Tower A")
    with serve(quickbooks.app(qb)) as qb_url, serve(slack.app(sl)) as sl_url, serve(google_drive.app(gd)) as gd_url:
        urls = {"quickbooks": qb_url, "slack": sl_url, "google_drive": gd_url}
        with (
            Backend(oauth=OAUTH, provider_urls=urls, local_data=lambda ctx: data) as backend,
            CortexBuild.local(backend=backend) as client,
        ):
            books = connect(client, "quickbooks", realm_id=quickbooks.REALM)
            for attempt in (1, 2):
                run = client.integrations.sync(books)
                assert run is not None
                backend.wait_for_syncs()
                run = client.integrations.sync_run(books, run.id)
                print(f"QuickBooks sync {attempt}: {run.status}, counts {run.counts.to_dict()}")
                assert run.status == "success"
            assert run.counts.created == 0 and len(qb.entities["Invoice"]) == 1  # no duplicates

            chat = connect(client, "slack")
            sent = client.integrations.slack(chat).send_message(channel="#general", text="INV-1001 is in QuickBooks")
            print(f"Slack: posted to {sent.get('channel')} at {sent.get('ts')}")
            assert sl.messages[-1]["text"] == "INV-1001 is in QuickBooks"

            drive = connect(client, "google_drive")
            uploaded = client.integrations.google_drive(drive).upload_document(1)
            print(f"Drive: file {uploaded.get('file_id')} version {uploaded.get('version')}")
            assert gd.content[uploaded.get("file_id")] == [b"%PDF-1.7 ..."]

            print("QuickBooks request log (newest first):")
            for entry in itertools.islice(client.integrations.requests(books, limit=5), 5):
                print(f"  {entry.method:4} {entry.status} {entry.duration_ms:4} ms {entry.url.split('?')[0]}")
    print("ok")


if __name__ == "__main__":
    main()

"""document.uploaded and document.shared, caused by real API calls, arrive signed at a loopback receiver."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
from helpers_documents import project_id, upload
from helpers_local import ok

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.local import Backend, ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver


def test_document_events_arrive_verified() -> None:
    with Receiver() as receiver, Backend(clock=ManualClock(), delivery_poll_interval=0.05) as backend:
        client = httpx.Client(
            transport=backend.transport(),
            base_url="http://local",
            headers={"Authorization": f"Bearer {backend.owner_api_key}"},
        )
        hook = ok(
            client.post(
                "/api/integrations/webhooks",
                json={"name": "docs", "url": receiver.url(), "events": ["document.uploaded", "document.shared"]},
            )
        )["webhook"]
        doc = ok(upload(client, project_id(client), b"%PDF-1.4 plan"))["data"]
        version = ok(client.post(f"/api/documents/{doc['id']}/versions", files={"file": ("p.pdf", b"%PDF v2")}))
        shared = ok(client.put(f"/api/documents/{doc['id']}/share", json={"emails": ["pm@example.com"]}))["data"]
        backend.drain()
        requests = receiver.wait_for(3)
        bodies = []
        for request in requests:
            webhooks.verify(request.body, request.headers, hook["secret"], now=backend.clock.now())
            bodies.append(json.loads(request.body))
        got = sorted((b["event"], b["data"]["document"]["version"], b["data"]) for b in bodies)  # any order
        assert got == [
            ("document.shared", 1, {"document": shared}),
            ("document.uploaded", 1, {"document": doc}),
            ("document.uploaded", 2, {"document": version["data"]}),
        ]
        client.close()

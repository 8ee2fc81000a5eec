"""A construction project's life on the local backend, every change arriving as a verified webhook.

A client and a project (started: a status change), tasks (one completed), an RFI asked, answered and closed,
an invoice sent and paid and another gone overdue (the manual clock moves two weeks on), a purchase order
approved and received, time logged and approved, a drawing uploaded in two versions and shared. A receiver on
127.0.0.1 verifies each delivery's signature and parses it into a typed event whose ``data`` holds the same
model ``client.<resource>.retrieve()`` returns. Offline, in seconds; exits non-zero if anything is missing.
Run: python examples/construction_day.py
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cortexbuild_sdk import CortexBuild, webhooks
from cortexbuild_sdk.local import ManualClock

clock = ManualClock()
SECRETS: list[str] = []
arrived: dict[str, webhooks.WebhookEvent] = {}  # delivery id -> event (delivery is at-least-once: dedupe)
lock = threading.Condition()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))  # the exact bytes that were signed
        try:
            event = webhooks.construct_event(raw, self.headers, SECRETS, now=clock.now())
        except webhooks.WebhookVerificationError as exc:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(exc).encode())
            return
        with lock:
            arrived.setdefault(self.headers["X-CortexBuild-Delivery-Id"], event)
            lock.notify_all()
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with CortexBuild.local(clock=clock) as client:
        backend = client.backend
        assert backend is not None
        hook = client.webhooks.create(
            name="Site office", url=f"http://127.0.0.1:{server.server_address[1]}/hooks", events=["*"]
        )
        SECRETS.append(hook.secret or "")
        today = dt.datetime.fromtimestamp(clock.now(), dt.timezone.utc).date()
        day = today.isoformat()

        owner = client.clients.create(name="Northwind Developments", email="ap@northwind.example")
        project = client.projects.create(name="Harbor View Tower", budget="4250000.00", client_id=owner.id)
        client.projects.update(project.id, status="active")

        slab = client.tasks.create(project_id=project.id, title="Pour level 3 slab", estimated_hours="16")
        client.tasks.update(slab.id, status="in-progress", progress=60)
        client.tasks.complete(slab.id)

        rfi = client.rfis.create(project_id=project.id, subject="Beam B-12", question="W12x26 or W14x30?")
        client.rfis.answer(rfi.id, answer="W14x30, per the beam schedule.")
        client.rfis.close(rfi.id)

        items = [{"description": "Concrete works, level 3", "quantity": 1, "unit_price": "48500.00"}]
        due = (today + dt.timedelta(days=14)).isoformat()
        paid = client.invoices.create(client_id=owner.id, project_id=project.id, issue_date=day, due_date=due,
                                      items=items, tax_rate="8.25")  # fmt: skip
        client.invoices.send(paid.id)
        client.invoices.pay(paid.id, payment_date=day)
        late = client.invoices.create(client_id=owner.id, project_id=project.id, issue_date=day, due_date=due,
                                      items=items)  # fmt: skip
        client.invoices.send(late.id)

        po = client.purchase_orders.create(
            project_id=project.id, vendor="Cascade Ready-Mix", issue_date=day,
            items=[{"description": "4000 psi concrete, m3", "quantity": 85, "unit_price": "162.40"}],
        )  # fmt: skip
        client.purchase_orders.approve(po.id)
        client.purchase_orders.receive(po.id)

        start = dt.datetime.combine(today, dt.time(7), tzinfo=dt.timezone.utc)
        entry = client.time_entries.create(project_id=project.id, start_time=start,
                                           end_time=start + dt.timedelta(hours=8), hourly_rate="65")  # fmt: skip
        client.time_entries.approve(entry.id)

        drawing = client.documents.create(project_id=project.id, name="S-301 Level 3 framing", category="drawing",
                                          file=b"%PDF-1.4 rev A", filename="S-301.pdf")  # fmt: skip
        revised = client.documents.create_version(drawing.id, file=b"%PDF-1.4 rev B", filename="S-301.pdf")
        client.documents.share(drawing.id, emails=["site-team@harborview.example"])

        backend.drain()  # today's deliveries arrive before the clock jumps
        clock.advance(15 * 86_400)  # two weeks pass: the unpaid invoice goes overdue
        backend.drain()
        overdue = client.invoices.retrieve(late.id)

    server.shutdown()
    events = sorted(arrived.values(), key=lambda e: e.id)
    for event in events:
        print(f"{event.event:<24} verified  {event.id}")
    kinds = [e.event for e in events]
    expected = {"client.created", "project.created", "project.updated", "project.status_changed", "task.created",
                "task.updated", "task.completed", "rfi.created", "rfi.answered", "rfi.closed", "invoice.created",
                "invoice.sent", "invoice.paid", "invoice.overdue", "purchase_order.created", "purchase_order.approved",
                "purchase_order.received", "time_entry.created", "time_entry.approved", "document.uploaded",
                "document.shared"}  # fmt: skip
    assert expected <= set(kinds), sorted(expected - set(kinds))
    assert kinds.count("document.uploaded") == 2 and revised.version == 2
    assert kinds.count("invoice.overdue") == 1 and overdue.status == "overdue"
    assert len(kinds) == 24, kinds
    answered = next(e for e in events if isinstance(e, webhooks.RfiAnsweredEvent))
    assert answered.data.rfi.answer == "W14x30, per the beam schedule."  # typed: the model rfis.retrieve() returns
    print(f"{len(kinds)} events arrived, every signature verified; invoice {overdue.invoice_number} is overdue.")


if __name__ == "__main__":
    main()

"""Each of the 24 events is caused by a real API action through the typed client - sync and async alike - and
arrives, verified, at a loopback receiver. (``invoice.overdue`` comes from the manual clock passing the due
date.)"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild, webhooks
from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.cli._receiver import Receiver
from cortexbuild_sdk.cli._sample import TRIGGERS, Sample
from cortexbuild_sdk.local import Backend, ManualClock

ITEMS = [{"description": "Concrete", "quantity": 3, "unit_price": "120.50"}]


class Inbox:
    def __init__(self, backend: Backend) -> None:
        self.backend, self.secret = backend, ""
        self.events: list[str] = []
        self.ids: dict[str, str] = {}  # delivery id -> event: delivery is at-least-once, a receiver dedupes
        self.cond = threading.Condition()

    def __call__(self, body: bytes, headers: Any) -> tuple[int, bytes]:
        webhooks.verify(body, headers, self.secret, now=self.backend.clock.now())  # raises -> 500 -> test fails
        with self.cond:
            if headers["x-cortexbuild-delivery-id"] in self.ids:
                return 200, b"duplicate"
            self.ids[headers["x-cortexbuild-delivery-id"]] = headers["x-cortexbuild-event"]
            self.events.append(headers["x-cortexbuild-event"])
            self.cond.notify_all()
        return 200, b"ok"

    def wait_for_all(self, timeout: float = 20) -> None:
        with self.cond:
            self.cond.wait_for(lambda: set(EVENT_TYPES) <= set(self.events), timeout)
        assert sorted(set(self.events)) == sorted(EVENT_TYPES)


def test_sync_client_causes_every_event() -> None:
    with Backend(clock=ManualClock(), delivery_poll_interval=0.05) as backend:
        client = CortexBuild.local(backend=backend)
        inbox = Inbox(backend)
        with Receiver(inbox) as receiver:
            hook = client.webhooks.create(name="inbox", url=receiver.url, events=["*"])
            inbox.secret = hook.secret or ""
            for event in EVENT_TYPES:
                obj = TRIGGERS[event](Sample(client), backend)
                assert obj.id >= 1
            inbox.wait_for_all()


async def test_async_client_causes_every_event() -> None:
    with Backend(clock=ManualClock(), delivery_poll_interval=0.05) as backend:
        client = AsyncCortexBuild.local(backend=backend)
        inbox = Inbox(backend)
        with Receiver(inbox) as receiver:
            hook = await client.webhooks.create(name="inbox", url=receiver.url, events=["*"])
            inbox.secret = hook.secret or ""
            customer = await client.clients.create(name="Northwind")  # client.created
            await client.clients.update(customer.id, payment_terms="Net 45")  # client.updated
            project = await client.projects.create(name="Harbor View", client_id=customer.id)  # project.created
            await client.projects.update(project.id, status="active")  # project.updated + project.status_changed
            doomed = await client.projects.create(name="Annex")
            await client.projects.delete(doomed.id)  # project.deleted
            task = await client.tasks.create(project_id=project.id, title="Pour slab")  # task.created
            await client.tasks.update(task.id, progress=50)  # task.updated
            await client.tasks.complete(task.id)  # task.completed
            await client.tasks.delete(task.id)  # task.deleted
            rfi = await client.rfis.create(project_id=project.id, subject="Beam", question="Which size?")
            await client.rfis.answer(rfi.id, answer="W14x30")  # rfi.answered
            await client.rfis.close(rfi.id)  # rfi.closed
            today = dt.datetime.fromtimestamp(backend.clock.now(), dt.timezone.utc).date()  # the manual clock's
            day, due = today.isoformat(), (today + dt.timedelta(days=30)).isoformat()
            paid = await client.invoices.create(client_id=customer.id, issue_date=day, due_date=due, items=ITEMS)
            await client.invoices.send(paid.id)  # invoice.sent
            await client.invoices.pay(paid.id, payment_date=day)  # invoice.paid
            late = await client.invoices.create(client_id=customer.id, issue_date=day, due_date=due, items=ITEMS)
            await client.invoices.send(late.id)
            entry = await client.time_entries.create(
                project_id=project.id, start_time="2025-10-09T07:00:00Z", end_time="2025-10-09T15:00:00Z"
            )
            await client.time_entries.approve(entry.id)  # time_entry.approved
            po = await client.purchase_orders.create(vendor="Cascade", issue_date=day, items=ITEMS)
            await client.purchase_orders.approve(po.id)  # purchase_order.approved
            await client.purchase_orders.receive(po.id)  # purchase_order.received
            doc = await client.documents.create(project_id=project.id, name="S-301", file=b"%PDF-1.4 v1",
                                                filename="S-301.pdf")  # fmt: skip
            await client.documents.create_version(doc.id, file=b"%PDF-1.4 v2", filename="S-301.pdf")
            await client.documents.share(doc.id, emails=["site@example.com"])  # document.shared
            await backend.adrain()  # everything so far arrives before the clock jumps
            backend.clock.advance(400 * 86_400)  # type: ignore[attr-defined]  # far past the due date
            await backend.adrain()  # the clock's domain change (invoice.overdue), then its delivery
            inbox.wait_for_all()
        await client.close()
    assert inbox.events.count("invoice.overdue") == 1

"""The construction resources against the embedded backend: the client and the local routes agree on the wire.

Branches i10b (domain routes) and i10d (documents) add those routes; until they are merged, each test here
skips itself when its route answers 404.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from cortexbuild_sdk import AsyncCortexBuild, ConflictError, CortexBuild, NotFoundError, webhooks
from cortexbuild_sdk.types import Project, Rfi

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver


@pytest.fixture
def client() -> Iterator[CortexBuild]:
    with CortexBuild.local() as local:
        yield local


def require(client: CortexBuild, resource: str) -> None:
    try:
        list(getattr(client, resource).list(limit=1))
    except NotFoundError:
        pytest.skip(f"the local backend does not serve {resource} yet")


def test_a_projects_life_through_the_client(client: CortexBuild) -> None:
    require(client, "projects")
    owner = client.clients.create(name="Acme Developments", credit_limit="250000.50")
    assert owner.credit_limit == Decimal("250000.50") and owner.is_active is True
    project = client.projects.create(
        name="Tower", client_id=owner.id, budget=Decimal("5000000"), start_date="2025-01-15"
    )
    assert (project.status, project.budget, project.start_date) == ("planning", Decimal(5000000), date(2025, 1, 15))
    moved = client.projects.update(project.id, status="active", actual_cost="1234.5")
    assert moved.status == "active" and moved.actual_cost == Decimal("1234.5")

    task = client.tasks.create(project_id=project.id, title="Pour foundation")
    done = client.tasks.complete(task.id)
    assert done.status == "completed" and isinstance(done.completed_at, datetime)

    rfi = client.rfis.create(project_id=project.id, subject="Beam", question="W12x26?")
    assert rfi.status == "open" and rfi.rfi_number
    with pytest.raises(ConflictError) as caught:
        client.rfis.close(rfi.id)  # an open RFI is answered or voided first
    assert "answered" in caught.value.details["allowed"]
    assert client.rfis.answer(rfi.id, answer="Yes").status == "answered"
    assert client.rfis.close(rfi.id).status == "closed"

    client.tasks.delete(task.id)
    with pytest.raises(NotFoundError):
        client.tasks.retrieve(task.id)


def test_money_is_exact_end_to_end(client: CortexBuild) -> None:
    require(client, "invoices")
    owner = client.clients.create(name="Acme")
    invoice = client.invoices.create(
        client_id=owner.id,
        issue_date=date(2025, 10, 1),
        due_date="2025-10-31",
        items=[{"description": "Concrete", "quantity": 3, "unit_price": "380.10"}],
        tax_rate="10",
    )
    assert (invoice.status, invoice.subtotal, invoice.tax_amount, invoice.total) == (
        "draft",
        Decimal("1140.30"),
        Decimal("114.03"),
        Decimal("1254.33"),
    )
    assert invoice.items[0].unit_price == Decimal("380.10")
    assert client.invoices.send(invoice.id).status == "sent"
    paid = client.invoices.pay(invoice.id, payment_date=date(2025, 10, 9))
    assert (paid.status, paid.balance, paid.paid_amount) == ("paid", Decimal(0), Decimal("1254.33"))


def test_time_and_purchase_orders(client: CortexBuild) -> None:
    require(client, "time_entries")
    project = client.projects.create(name="Depot")
    start = datetime(2025, 10, 9, 8, tzinfo=timezone.utc)
    entry = client.time_entries.create(
        project_id=project.id, start_time=start, end_time="2025-10-09 16:30:00", hourly_rate="42.50", is_billable=True
    )
    assert (entry.duration_minutes, entry.amount, entry.status) == (510, Decimal("361.25"), "pending")
    assert client.time_entries.approve(entry.id).status == "approved"
    totals = client.time_entries.summary(project_id=project.id)
    assert (totals.total_entries, totals.billable_minutes, totals.total_amount) == (1, 510, Decimal("361.25"))
    assert totals.approved_entries == 1 and totals.model_extra == {}

    order = client.purchase_orders.create(
        vendor="Steel Co", issue_date="2025-10-02", items=[{"description": "Rebar", "quantity": 2, "unit_price": 10}]
    )
    assert order.status == "draft" and order.po_number and order.total == Decimal(20)
    assert client.purchase_orders.send(order.id).status == "sent"
    assert client.purchase_orders.approve(order.id).status == "approved"
    assert client.purchase_orders.receive(order.id, received_date=date(2025, 10, 16)).status == "received"


def test_lists_page_through_every_row_on_both_clients(client: CortexBuild) -> None:
    require(client, "tasks")
    project = client.projects.create(name="Paged")
    for n in range(5):
        client.tasks.create(project_id=project.id, title=f"task {n}")
    assert [c.name for c in client.clients.list(is_active=True)] == []
    first = client.tasks.list(project_id=project.id, limit=2)
    assert (first.page_info.total, first.page_info.total_pages) == (5, 3)
    assert sorted(t.title or "" for t in first) == [f"task {n}" for n in range(5)]

    async def collect() -> list[int]:
        async with AsyncCortexBuild.local(backend=client.backend) as other:
            return [t.id async for t in other.tasks.list(project_id=project.id, limit=2)]

    assert len(asyncio.run(collect())) == 5


def test_documents_round_trip_files(client: CortexBuild) -> None:
    require(client, "documents")
    project = client.projects.create(name="Drawings")
    content = b"%PDF-1.7 ground floor" * 1000
    doc = client.documents.create(project_id=project.id, name="Ground floor", file=content, filename="gf.pdf")
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.file_size == len(content)
    got = client.documents.download(doc.id)
    assert got.content == content and got.content_type == "application/pdf"
    v2 = client.documents.create_version(doc.id, file=b"rev b", filename="gf-b.pdf")
    assert (v2.version, v2.parent_document_id) == (2, doc.id)
    assert client.documents.share(v2.id, is_public=True).is_public is True


def test_delivered_events_carry_the_clients_models() -> None:
    with Receiver() as receiver, CortexBuild.local(tier="pro", delivery_poll_interval=0.05) as client:
        require(client, "rfis")
        hook = client.webhooks.create(
            name="typed", url=receiver.url("/hook"), events=["rfi.answered", "project.status_changed"]
        )
        assert hook.secret
        project = client.projects.create(name="Typed")
        client.projects.update(project.id, status="active")
        rfi = client.rfis.create(project_id=project.id, subject="Beam", question="W12?")
        client.rfis.answer(rfi.id, answer="Yes")
        events = [webhooks.construct_event(r.body, r.headers, hook.secret) for r in receiver.wait_for(2, "/hook")]
    by_name = {event.event: event for event in events}
    answered = by_name["rfi.answered"]
    assert isinstance(answered, webhooks.RfiAnsweredEvent)
    assert type(answered.data.rfi) is Rfi and answered.data.rfi.answer == "Yes"
    assert answered.data.previous_status == "open"
    changed = by_name["project.status_changed"]
    assert isinstance(changed, webhooks.ProjectStatusChangedEvent)
    assert type(changed.data.project) is Project
    assert (changed.data.project.status, changed.data.previous_status) == ("active", "planning")

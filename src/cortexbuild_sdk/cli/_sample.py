"""Realistic sample data and the domain actions behind each of the 24 events, through the typed client.

Used by ``cortexbuild trigger`` (one event, with ``--override resource.field=value``) and ``cortexbuild demo``
(a whole project's life). Every event comes from a real API call; none is emitted by hand.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import CortexBuild
    from ..local import Backend

__all__ = ["TRIGGERS", "OverrideError", "Sample", "parse_overrides", "project_walk"]

DRAWING_V1 = b"%PDF-1.4\n% Level 3 structural plan, revision A\n"
DRAWING_V2 = b"%PDF-1.4\n% Level 3 structural plan, revision B (beam B-12 resized)\n"
# The create method each overridable resource's fields go to.
RESOURCES = ("project", "task", "rfi", "invoice", "client", "document", "time_entry", "purchase_order")


class OverrideError(ValueError):
    """An override that does not apply to the event's actions (never silently dropped)."""


def parse_overrides(raw: tuple[str, ...] | list[str]) -> dict[str, dict[str, Any]]:
    """``["project.name=Tower B", "invoice.tax_rate=8.5"]`` -> ``{"project": {"name": "Tower B"}, ...}``.
    Values are JSON when they parse as JSON (numbers, true/false, lists), else text."""
    out: dict[str, dict[str, Any]] = {}
    for item in raw:
        path, sep, value = item.partition("=")
        resource, dot, name = path.strip().partition(".")
        if not sep or not dot or not name:
            raise OverrideError(f"override {item!r} must look like resource.field=value (e.g. project.name=Tower)")
        if resource not in RESOURCES:
            raise OverrideError(f"override {item!r}: no resource {resource!r}; one of {', '.join(RESOURCES)}")
        try:
            parsed: Any = json.loads(value, parse_float=str)  # decimals stay exact (money is Decimal)
        except ValueError:
            parsed = value
        out.setdefault(resource, {})[name] = parsed
    return out


class Sample:
    """Creates the objects an event needs, applying overrides to the matching create call and recording
    which overrides were used (the rest are an error, see :meth:`check_used`)."""

    def __init__(self, client: CortexBuild, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.client = client
        self.overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self.used: set[str] = set()
        self.today = dt.date.today()

    def _fields(self, resource: str, method: Callable[..., Any], **defaults: Any) -> dict[str, Any]:
        given = self.overrides.get(resource, {})
        accepted = set(inspect.signature(method).parameters) - {"options"}
        for name in given:
            if name not in accepted:
                raise OverrideError(
                    f"override {resource}.{name} does not apply: {resource} takes {', '.join(sorted(accepted))}"
                )
        self.used.add(resource)
        return {**defaults, **given}

    def check(self, event: str) -> None:
        """Refuse, before anything is created, an override the event's actions would not use."""
        makes = needs(event)
        for resource, given in self.overrides.items():
            if resource not in makes:
                made = ", ".join(sorted(makes))
                raise OverrideError(f"override of {resource} does not apply: {event} creates only {made}")
            method = getattr(self.client, _COLLECTION[resource]).create
            accepted = set(inspect.signature(method).parameters) - {"options"}
            for name in given:
                if name not in accepted:
                    raise OverrideError(
                        f"override {resource}.{name} does not apply: {resource} takes {', '.join(sorted(accepted))}"
                    )

    def client_(self) -> Any:
        c = self.client.clients
        return c.create(
            **self._fields(
                "client",
                c.create,
                name="Northwind Developments",
                contact_name="Dana Reyes",
                email="ap@northwind.example",
                payment_terms="Net 30",
            )
        )

    def project(self, client_id: int | None = None) -> Any:
        p = self.client.projects
        fields = self._fields(
            "project",
            p.create,
            name="Harbor View Tower",
            project_number="HV-2025-01",
            budget="4250000.00",
            city="Seattle",
            state="WA",
            start_date=self.today.isoformat(),
        )
        if client_id is not None:
            fields.setdefault("client_id", client_id)
        return p.create(**fields)

    def task(self, project_id: int) -> Any:
        t = self.client.tasks
        return t.create(
            **self._fields(
                "task",
                t.create,
                project_id=project_id,
                title="Pour level 3 slab",
                assigned_to="m.ortiz",
                estimated_hours="16",
                priority="high",
            )
        )

    def rfi(self, project_id: int) -> Any:
        r = self.client.rfis
        return r.create(
            **self._fields(
                "rfi",
                r.create,
                project_id=project_id,
                subject="Beam B-12 size at grid C",
                question="Drawing S-301 shows W12x26; the schedule says W14x30. Which governs?",
                submitted_by="j.lee",
                assigned_to="structural engineer",
            )
        )

    def invoice(self, client_id: int, project_id: int | None = None, *, due_in_days: int = 30) -> Any:
        i = self.client.invoices
        issue = self.today if due_in_days > 0 else self.today + dt.timedelta(days=due_in_days - 30)
        fields = self._fields(
            "invoice",
            i.create,
            client_id=client_id,
            issue_date=issue.isoformat(),
            due_date=(self.today + dt.timedelta(days=due_in_days)).isoformat(),
            tax_rate="8.25",
            items=[
                {"description": "Concrete works, level 3", "quantity": 1, "unit_price": "48500"},
                {"description": "Rebar, tonnes", "quantity": 12, "unit_price": "1150.50"},
            ],
        )
        if project_id is not None:
            fields.setdefault("project_id", project_id)
        return i.create(**fields)

    def time_entry(self, project_id: int, task_id: int | None = None) -> Any:
        t = self.client.time_entries
        start = dt.datetime.combine(self.today, dt.time(7, 0), tzinfo=dt.timezone.utc)
        fields = self._fields(
            "time_entry",
            t.create,
            project_id=project_id,
            start_time=start.isoformat(),
            end_time=(start + dt.timedelta(hours=8)).isoformat(),
            hourly_rate="65",
            description="Formwork, level 3",
            is_billable=True,
        )
        if task_id is not None:
            fields.setdefault("task_id", task_id)
        return t.create(**fields)

    def purchase_order(self, project_id: int) -> Any:
        po = self.client.purchase_orders
        return po.create(
            **self._fields(
                "purchase_order",
                po.create,
                project_id=project_id,
                vendor="Cascade Ready-Mix",
                issue_date=self.today.isoformat(),
                items=[{"description": "4000 psi concrete, m3", "quantity": 85, "unit_price": "162.40"}],
            )
        )

    def document(self, project_id: int) -> Any:
        d = self.client.documents
        return d.create(
            **self._fields(
                "document",
                d.create,
                project_id=project_id,
                name="S-301 Level 3 framing",
                file=DRAWING_V1,
                filename="S-301.pdf",
                content_type="application/pdf",
                category="drawing",
            )
        )


_COLLECTION = {"client": "clients", "time_entry": "time_entries", "purchase_order": "purchase_orders"}
_COLLECTION.update({r: r + "s" for r in RESOURCES if r not in _COLLECTION})


def needs(event: str) -> set[str]:
    """The sample objects the action causing ``event`` creates."""
    kind = event.partition(".")[0]
    if kind == "client":
        return {"client"}
    if kind == "invoice":
        return {"client", "invoice"}
    return {"project", kind} if kind != "project" else {"project"}


def wait_overdue(client: CortexBuild, invoice_id: int, backend: Backend | None, timeout: float = 15.0) -> Any:
    """An invoice past due goes overdue when the backend's clock scan sees it: at once in this process (a
    ``Backend`` at hand), else within the server's scan interval."""
    deadline = time.monotonic() + timeout
    while True:
        if backend is not None:
            backend.scan_overdue()
        invoice = client.invoices.retrieve(invoice_id)
        if invoice.status == "overdue" or time.monotonic() > deadline:
            return invoice
        time.sleep(0.2)


def _t(event: str) -> Callable[[Sample, Backend | None], Any]:
    """The action causing ``event`` (after creating the sample data it needs); returns the object."""

    def run(s: Sample, backend: Backend | None) -> Any:
        api = s.client
        if event == "client.created":
            return s.client_()
        if event == "client.updated":
            return api.clients.update(s.client_().id, payment_terms="Net 45")
        if event.startswith("invoice."):
            client_id = s.client_().id
            if event == "invoice.created":
                return s.invoice(client_id)
            if event == "invoice.overdue":
                inv = s.invoice(client_id, due_in_days=-1)
                api.invoices.send(inv.id)
                return wait_overdue(api, inv.id, backend)
            inv = api.invoices.send(s.invoice(client_id).id)
            return inv if event == "invoice.sent" else api.invoices.pay(inv.id, payment_date=s.today.isoformat())
        project = s.project()
        if event == "project.created":
            return project
        if event == "project.updated":
            return api.projects.update(project.id, description="Scope adds a rooftop amenity deck")
        if event == "project.status_changed":
            return api.projects.update(project.id, status="active")
        if event == "project.deleted":
            api.projects.delete(project.id)
            return project
        kind, _, action = event.partition(".")
        if kind == "task":
            task = s.task(project.id)
            if action == "updated":
                return api.tasks.update(task.id, status="in-progress", progress=40)
            if action == "completed":
                return api.tasks.complete(task.id)
            if action == "deleted":
                api.tasks.delete(task.id)
            return task
        if kind == "rfi":
            rfi = s.rfi(project.id)
            if action in ("answered", "closed"):
                rfi = api.rfis.answer(rfi.id, answer="Use W14x30 per the beam schedule; S-301 is being revised.")
            return api.rfis.close(rfi.id) if action == "closed" else rfi
        if kind == "time_entry":
            entry = s.time_entry(project.id)
            return api.time_entries.approve(entry.id) if action == "approved" else entry
        if kind == "purchase_order":
            po = s.purchase_order(project.id)
            if action in ("approved", "received"):
                po = api.purchase_orders.approve(po.id)
            return api.purchase_orders.receive(po.id) if action == "received" else po
        if kind == "document":
            doc = s.document(project.id)
            return api.documents.share(doc.id, emails=["site-team@harborview.example"]) if action == "shared" else doc
        raise AssertionError(f"no action for {event}")  # pragma: no cover - TRIGGERS covers the catalogue

    return run


def _triggers() -> dict[str, Callable[[Sample, Backend | None], Any]]:
    from .._events import EVENT_TYPES

    return {event: _t(event) for event in EVENT_TYPES}


TRIGGERS = _triggers()


def project_walk(client: CortexBuild, backend: Backend) -> list[str]:
    """A project's life through the typed client on a manual clock; returns the events caused, in order."""
    s = Sample(client)
    caused: list[str] = []
    owner = s.client_()
    caused += ["client.created"]
    project = s.project(client_id=owner.id)
    client.projects.update(project.id, status="active")
    caused += ["project.created", "project.updated", "project.status_changed"]
    slab, rebar = s.task(project.id), client.tasks.create(project_id=project.id, title="Rebar inspection, level 3")
    client.tasks.update(slab.id, status="in-progress", progress=60)
    client.tasks.complete(rebar.id)
    caused += ["task.created", "task.created", "task.updated", "task.completed"]
    rfi = s.rfi(project.id)
    client.rfis.answer(rfi.id, answer="Use W14x30 per the beam schedule; S-301 is being revised.")
    client.rfis.close(rfi.id)
    caused += ["rfi.created", "rfi.answered", "rfi.closed"]
    paid, late = s.invoice(owner.id, project.id), s.invoice(owner.id, project.id, due_in_days=14)
    client.invoices.send(paid.id)
    client.invoices.pay(paid.id, payment_date=s.today.isoformat())
    client.invoices.send(late.id)
    caused += ["invoice.created", "invoice.created", "invoice.sent", "invoice.paid", "invoice.sent"]
    backend.drain(timeout=10)  # what was sent so far arrives before the clock jumps (signatures stay fresh)
    backend.clock.advance(15 * 86_400)  # type: ignore[attr-defined]  # the manual clock: two weeks pass
    backend.scan_overdue()
    caused += ["invoice.overdue"]
    po = s.purchase_order(project.id)
    client.purchase_orders.approve(po.id)
    client.purchase_orders.receive(po.id)
    caused += ["purchase_order.created", "purchase_order.approved", "purchase_order.received"]
    entry = s.time_entry(project.id, slab.id)
    client.time_entries.approve(entry.id)
    caused += ["time_entry.created", "time_entry.approved"]
    drawing = s.document(project.id)
    client.documents.create_version(drawing.id, file=DRAWING_V2, filename="S-301.pdf", content_type="application/pdf")
    client.documents.share(drawing.id, emails=["site-team@harborview.example"])
    caused += ["document.uploaded", "document.uploaded", "document.shared"]
    return caused

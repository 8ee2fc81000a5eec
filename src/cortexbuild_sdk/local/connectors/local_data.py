"""The construction data connectors carry, behind a small Protocol.

The domain services (clients, invoices, documents, RFIs, tasks) are the only code that writes those tables.
Connectors reach them through :class:`LocalData`: ``factory(ctx)`` returns an implementation scoped to the
caller's account and environment. The backend binds :class:`~.domain_data.DomainData` (the domain tables and
services); ``Backend(local_data=factory)`` replaces it (connector tests use in-memory data).

Money is integer cents; dates ``YYYY-MM-DD``; ``updated_at`` epoch ms (the shared domain conventions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

__all__ = [
    "Changed",
    "LocalClient",
    "LocalData",
    "LocalDocument",
    "LocalInvoice",
    "LocalLine",
    "LocalWorkItem",
    "RemoteClient",
    "RemoteDocument",
    "RemoteInvoice",
]


T = TypeVar("T")


@dataclass(frozen=True)
class Changed(Generic[T]):
    """The rows changed since a cursor, and ``since``: the cursor to read from next time. Every change that
    commits after this read has ``updated_at >= since``, so reading ``>= since`` next time misses none."""

    since: int
    rows: Sequence[T]


@dataclass(frozen=True)
class LocalClient:
    id: int
    name: str
    updated_at: int
    email: str | None = None
    phone: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class LocalLine:
    description: str
    amount_cents: int
    quantity: str = "1"


@dataclass(frozen=True)
class LocalInvoice:
    id: int
    client_id: int
    invoice_number: str
    issue_date: str
    total_cents: int
    status: str
    updated_at: int
    due_date: str | None = None
    lines: Sequence[LocalLine] = field(default_factory=tuple)


@dataclass(frozen=True)
class RemoteClient:
    remote_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class RemoteInvoice:
    remote_id: str
    client_id: int
    invoice_number: str
    issue_date: str
    total_cents: int
    balance_cents: int
    due_date: str | None = None
    lines: Sequence[LocalLine] = field(default_factory=tuple)


@dataclass(frozen=True)
class LocalDocument:
    id: int
    name: str
    mime_type: str
    content: bytes
    updated_at: int
    project_id: int | None = None
    project_name: str | None = None


@dataclass(frozen=True)
class RemoteDocument:
    """A file found in a project's provider folder (added or changed there)."""

    name: str
    mime_type: str
    content: bytes
    project_id: int | None


@dataclass(frozen=True)
class LocalWorkItem:
    """An RFI or a task, as an issue tracker sees it."""

    kind: str  # "rfi" | "task"
    id: int
    title: str
    body: str
    due_date: str | None = None


class LocalData(Protocol):
    """What connectors need from the construction domain, scoped to one account and environment."""

    def clients(self) -> Iterable[LocalClient]: ...

    def invoices(self) -> Iterable[LocalInvoice]: ...

    def invoice(self, invoice_id: int) -> LocalInvoice:
        """The invoice, or ``errors.NotFound``."""
        ...

    def client(self, client_id: int) -> LocalClient:
        """The client, or ``errors.NotFound``."""
        ...

    def clients_changed(self, since: int | None) -> Changed[LocalClient]:
        """Clients with ``updated_at >= since`` (all of them for None), in id order: a repeat sync reads
        O(what changed), not every client."""
        ...

    def invoices_changed(self, since: int | None) -> Changed[LocalInvoice]:
        """Like :meth:`clients_changed` for the invoices :meth:`invoices` lists (cancelled ones are not)."""
        ...

    def invoices_numbered(self, numbers: Iterable[str]) -> Iterable[LocalInvoice]:
        """The listed (not cancelled) invoices whose ``invoice_number`` is one of ``numbers``."""
        ...

    def upsert_client(self, local_id: int | None, remote: RemoteClient) -> LocalClient:
        """Create (``local_id`` None) or update a client from the provider's copy; returns it as stored."""
        ...

    def upsert_invoice(self, local_id: int | None, remote: RemoteInvoice) -> LocalInvoice:
        """Create or update an invoice from the provider's copy; returns it as stored."""
        ...

    def mark_invoice_paid(self, invoice_id: int, *, paid_cents: int, paid_at: str | None) -> bool:
        """Record a payment through the invoice service (which emits ``invoice.paid`` when the invoice becomes
        paid); False when nothing changed (already paid)."""
        ...

    def document(self, document_id: int) -> LocalDocument:
        """The document with its bytes, or ``errors.NotFound``."""
        ...

    def documents(self) -> Iterable[LocalDocument]:
        """Every document, possibly without its bytes (``content`` may be empty): the Drive sync loads the new
        and changed ones it backs up with :meth:`document`."""
        ...

    def documents_changed(self, since: int | None) -> Changed[LocalDocument]:
        """Like :meth:`documents` (no bytes), only the documents changed since ``since`` (all for None);
        ``Changed.since`` as in :meth:`clients_changed`."""
        ...

    def upsert_document(self, local_id: int | None, remote: RemoteDocument) -> LocalDocument:
        """Create a document from a provider file, or store a changed file as the document's new version
        (the documents service keeps the versions); returns it as stored."""
        ...

    def work_item(self, kind: str, item_id: int) -> LocalWorkItem:
        """An RFI (``kind`` "rfi") or task ("task"), or ``errors.NotFound``."""
        ...

    def tasks_due(self, through: str) -> Iterable[LocalWorkItem]:
        """Open tasks whose ``due_date`` is on or before ``through`` (``YYYY-MM-DD``): Slack reminders."""
        ...

    def tasks_due_changed(self, since: int | None, due_after: str | None, through: str) -> Changed[LocalWorkItem]:
        """The open tasks due on or before ``through`` that changed since ``since`` or whose ``due_date`` is
        after ``due_after`` (the horizon the last read covered): all open due tasks when ``since`` is None.
        A repeat Slack sync reads the tasks that may need a reminder now, not every overdue one again."""
        ...

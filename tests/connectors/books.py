"""An in-memory :class:`LocalData` for connector tests (the domain services bind the real one)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from cortexbuild_sdk.local.connectors.local_data import (
    Changed,
    LocalClient,
    LocalDocument,
    LocalInvoice,
    LocalWorkItem,
    RemoteClient,
    RemoteDocument,
    RemoteInvoice,
)
from cortexbuild_sdk.local.errors import NotFound


class MemoryData:
    def __init__(self) -> None:
        self.clients_: dict[int, LocalClient] = {}
        self.invoices_: dict[int, LocalInvoice] = {}
        self.documents_: dict[int, LocalDocument] = {}
        self.work: dict[tuple[str, int], LocalWorkItem] = {}
        self._work_stamps: dict[tuple[str, int], tuple[LocalWorkItem, int]] = {}  # an updated_at per version
        self.paid_events: list[dict[str, Any]] = []
        self.versions: dict[int, list[bytes]] = {}
        self._ids = itertools.count(1)
        self._clock = itertools.count(1_000)
        self._lock = threading.Lock()

    def tick(self) -> int:
        return next(self._clock)

    # ---- test setup ---------------------------------------------------------------------------------------

    def add_client(self, name: str, email: str | None = None) -> LocalClient:
        c = LocalClient(next(self._ids), name, self.tick(), email=email)
        self.clients_[c.id] = c
        return c

    def add_invoice(self, client_id: int, number: str, cents: int, **kw: Any) -> LocalInvoice:
        inv = LocalInvoice(next(self._ids), client_id, number, "2026-11-01", cents, "draft", self.tick(), **kw)
        self.invoices_[inv.id] = inv
        return inv

    def touch_client(self, client_id: int, **changes: Any) -> None:
        self.clients_[client_id] = replace(self.clients_[client_id], updated_at=self.tick(), **changes)

    # ---- the LocalData protocol ---------------------------------------------------------------------------

    def clients(self) -> Iterable[LocalClient]:
        return list(self.clients_.values())

    def invoices(self) -> Iterable[LocalInvoice]:
        return list(self.invoices_.values())

    def clients_changed(self, since: int | None) -> Changed[LocalClient]:
        with self._lock:  # every later write ticks past the mark
            mark = self.tick()
            return Changed(mark, [c for c in self.clients_.values() if since is None or c.updated_at >= since])

    def invoices_changed(self, since: int | None) -> Changed[LocalInvoice]:
        with self._lock:
            mark = self.tick()
            return Changed(mark, [i for i in self.invoices_.values() if since is None or i.updated_at >= since])

    def invoices_numbered(self, numbers: Iterable[str]) -> Iterable[LocalInvoice]:
        wanted = set(numbers)
        return [i for i in self.invoices_.values() if i.invoice_number in wanted]

    def invoice(self, invoice_id: int) -> LocalInvoice:
        if invoice_id not in self.invoices_:
            raise NotFound("invoice", invoice_id)
        return self.invoices_[invoice_id]

    def client(self, client_id: int) -> LocalClient:
        if client_id not in self.clients_:
            raise NotFound("client", client_id)
        return self.clients_[client_id]

    def upsert_client(self, local_id: int | None, remote: RemoteClient) -> LocalClient:
        with self._lock:
            cid = local_id if local_id is not None else next(self._ids)
            c = LocalClient(
                cid, remote.name, self.tick(), email=remote.email, phone=remote.phone, company=remote.company
            )
            self.clients_[cid] = c
            return c

    def upsert_invoice(self, local_id: int | None, remote: RemoteInvoice) -> LocalInvoice:
        with self._lock:
            iid = local_id if local_id is not None else next(self._ids)
            status = "paid" if remote.balance_cents == 0 and remote.total_cents > 0 else "sent"
            inv = LocalInvoice(
                iid,
                remote.client_id,
                remote.invoice_number,
                remote.issue_date,
                remote.total_cents,
                status,
                self.tick(),
                due_date=remote.due_date,
                lines=tuple(remote.lines),
            )
            self.invoices_[iid] = inv
            return inv

    def mark_invoice_paid(self, invoice_id: int, *, paid_cents: int, paid_at: str | None) -> bool:
        with self._lock:
            inv = self.invoice(invoice_id)
            if inv.status == "paid":
                return False
            self.invoices_[invoice_id] = replace(inv, status="paid", updated_at=self.tick())
            self.paid_events.append({"invoice_id": invoice_id, "paid_cents": paid_cents, "paid_at": paid_at})
            return True

    def document(self, document_id: int) -> LocalDocument:
        if document_id not in self.documents_:
            raise NotFound("document", document_id)
        return self.documents_[document_id]

    def documents(self) -> Iterable[LocalDocument]:
        return list(self.documents_.values())

    def documents_changed(self, since: int | None) -> Changed[LocalDocument]:
        with self._lock:
            mark = self.tick()
            return Changed(mark, [d for d in self.documents_.values() if since is None or d.updated_at >= since])

    def tasks_due(self, through: str) -> Iterable[LocalWorkItem]:
        return [w for (kind, _), w in self.work.items() if kind == "task" and w.due_date and w.due_date <= through]

    def tasks_due_changed(self, since: int | None, due_after: str | None, through: str) -> Changed[LocalWorkItem]:
        with self._lock:
            for key, item in self.work.items():  # a replaced item is a changed one
                if self._work_stamps.get(key, (None, 0))[0] != item:
                    self._work_stamps[key] = (item, self.tick())
            mark = self.tick()
            due = [
                (w, self._work_stamps[key][1])
                for key, w in self.work.items()
                if key[0] == "task" and w.due_date and w.due_date <= through
            ]
            return Changed(
                mark,
                [w for w, at in due if since is None or at >= since or (w.due_date or "") > (due_after or "")],
            )

    def upsert_document(self, local_id: int | None, remote: RemoteDocument) -> LocalDocument:
        with self._lock:
            did = local_id if local_id is not None else next(self._ids)
            doc = LocalDocument(
                did,
                remote.name,
                remote.mime_type,
                remote.content,
                self.tick(),
                remote.project_id,
                f"Project {remote.project_id}",
            )
            self.documents_[did] = doc
            self.versions.setdefault(did, []).append(remote.content)
            return doc

    def work_item(self, kind: str, item_id: int) -> LocalWorkItem:
        if (kind, item_id) not in self.work:
            raise NotFound(kind, item_id)
        return self.work[(kind, item_id)]

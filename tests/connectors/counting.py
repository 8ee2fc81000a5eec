"""The real construction domain with the connector's reads counted, and hooks run right after a changed-rows
read (to commit a change "during" a sync: after its read, before its cursor is saved), and the mapping rows a
connector reads counted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from cortexbuild_sdk.local.connectors.domain_data import DomainData
from cortexbuild_sdk.local.connectors.spec import Mapping_
from cortexbuild_sdk.local.services.connections import ConnectorSession
from cortexbuild_sdk.local.services.context import Ctx


@dataclass
class Reads:
    rows: int = 0
    """Rows the connector read from the domain in changed-rows and whole-table reads."""
    loaded: int = 0
    """Single rows read by id (an invoice to mark paid, a document's bytes to upload)."""
    whole: int = 0
    """Whole-table reads (``clients()``, ``documents()``, ...): a repeat sync makes none."""
    mappings: int = 0
    """Mapping rows read (counted by the test's session wrapper, where it has one)."""
    after_read: list[Callable[[], object]] = field(default_factory=list)


class CountingData(DomainData):
    def __init__(self, ctx: Ctx, reads: Reads) -> None:
        super().__init__(ctx)
        self.reads = reads

    def _counted(self, changed: Any) -> Any:
        self.reads.rows += len(changed.rows)
        while self.reads.after_read:
            self.reads.after_read.pop(0)()
        return changed

    def clients_changed(self, since: int | None) -> Any:
        return self._counted(super().clients_changed(since))

    def invoices_changed(self, since: int | None) -> Any:
        return self._counted(super().invoices_changed(since))

    def documents_changed(self, since: int | None) -> Any:
        return self._counted(super().documents_changed(since))

    def tasks_due_changed(self, since: int | None, due_after: str | None, through: str) -> Any:
        return self._counted(super().tasks_due_changed(since, due_after, through))

    def _whole(self, rows: Any) -> Any:
        self.reads.whole += 1
        self.reads.rows += len(rows)
        return rows

    def clients(self) -> Any:
        return self._whole(super().clients())

    def invoices(self) -> Any:
        return self._whole(super().invoices())

    def documents(self) -> Any:
        return self._whole(super().documents())

    def tasks_due(self, through: str) -> Any:
        return self._whole(super().tasks_due(through))

    def invoice(self, invoice_id: int) -> Any:
        self.reads.loaded += 1
        return super().invoice(invoice_id)

    def document(self, document_id: int) -> Any:
        self.reads.loaded += 1
        return super().document(document_id)


def count_mappings(monkeypatch: pytest.MonkeyPatch, reads: Reads) -> None:
    """Count the mapping rows a connector reads (its cursors aside)."""
    whole, lookup = ConnectorSession.mappings, ConnectorSession.lookup_mappings

    def mappings(self: ConnectorSession, kind: str) -> dict[str, Mapping_]:
        found = whole(self, kind)
        reads.mappings += len(found) if kind != "cursor" else 0
        return found

    def lookup_mappings(self: ConnectorSession, kind: str, **ids: Any) -> dict[str, Mapping_]:
        found = lookup(self, kind, **ids)
        reads.mappings += len(found) if kind != "cursor" else 0
        return found

    monkeypatch.setattr(ConnectorSession, "mappings", mappings)
    monkeypatch.setattr(ConnectorSession, "lookup_mappings", lookup_mappings)

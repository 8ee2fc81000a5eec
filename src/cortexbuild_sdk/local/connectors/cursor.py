"""Local change cursors: what lets a repeat sync read only the local rows changed since the last clean one.

A cursor is a ``cursor`` mapping keyed ``local:<what>`` on the integration (``local_updated_at`` holds it). A
sync reads through :meth:`LocalCursors.changed` (e.g. ``LocalData.clients_changed``, an index range read
under the write lock: see ``DomainData._changed``) and calls :meth:`LocalCursors.save` only when the sync
went through without failures, so a failed object - or one changed while the sync ran - is read again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .local_data import Changed
from .spec import Mapping_, Session

__all__ = ["LocalCursors", "mapping_of"]

T = TypeVar("T")


def mapping_of(session: Session, kind: str, local_id: str) -> Mapping_ | None:
    """The one mapping of ``kind`` for ``local_id`` (an index probe, not the whole set)."""
    return session.lookup_mappings(kind, local_ids=[local_id]).get(local_id)


class LocalCursors:
    """The local cursors one sync reads from, and the ones it will save if it ends clean."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: dict[str, tuple[int, str | None]] = {}

    def last(self, what: str) -> Mapping_ | None:
        """The cursor the last clean sync saved for local ``what`` (None: none yet, read everything)."""
        return mapping_of(self.session, "cursor", f"local:{what}")

    def since(self, what: str) -> int | None:
        """Where this sync reads local ``what`` from."""
        cursor = self.last(what)
        return cursor.local_updated_at if cursor is not None else None

    def changed(self, what: str, read: Callable[[int | None], Changed[T]], *, note: str | None = None) -> Changed[T]:
        """``read(since)`` from this integration's cursor; the cursor it returns is saved by :meth:`save`, with
        ``note`` (what else the read covered, e.g. Slack's due-date horizon) as the cursor's ``sync_token``."""
        changed = read(self.since(what))
        self.pending[what] = (changed.since, note)
        return changed

    def save(self) -> None:
        """Move the cursors read this sync (exactly: ``Changed.since`` misses no later commit)."""
        for what, (since, note) in self.pending.items():
            key = f"local:{what}"
            self.session.save_mapping("cursor", key, key, sync_token=note, local_updated_at=since)
        self.pending.clear()

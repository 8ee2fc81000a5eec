"""The delivery engine's migration steps, as :data:`~.schema.MIGRATIONS` lists them.

The DDL lives with the engine (``delivery/migration.py``); it is imported when a step runs, so reading the
schema never loads the engine and its HTTP stack.
"""

from __future__ import annotations

import sqlite3

__all__ = ["_v_delivery", "_v_delivery_indexes", "_v_delivery_lean"]


def _v_delivery(conn: sqlite3.Connection) -> None:
    # Ids never reused (AUTOINCREMENT), parked deliveries of disabled endpoints, the subscription index.
    from .delivery.migration import migrate_delivery_v2

    migrate_delivery_v2(conn)


def _v_delivery_indexes(conn: sqlite3.Connection) -> None:
    # Fewer index pages written per delivery attempt (the status no longer keys the per-webhook index).
    from .delivery.migration import narrow_delivery_indexes

    narrow_delivery_indexes(conn)


def _v_delivery_lean(conn: sqlite3.Connection) -> None:
    # An emit writes one index page per subscriber, not three: only the claim's index holds a new delivery.
    from .delivery.migration import lean_delivery_indexes

    lean_delivery_indexes(conn)

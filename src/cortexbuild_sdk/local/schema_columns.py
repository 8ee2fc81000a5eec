"""The NOT NULL columns of every table, read from the schema the migrations build: the one definition of
"which fields an update may not set to null".

Both the update bodies (``routes/domain_bodies.py``, ``routes/documents.py``) and the services' ``update_row``
ask :func:`not_null_columns`, so a column added NOT NULL by a future migration is refused as null (400)
everywhere without anyone keeping a list by hand.
"""

from __future__ import annotations

import functools
import sqlite3

__all__ = ["not_null_columns"]


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, frozenset[str]]:
    # Every database of a backend (live and each sandbox) runs the same migrations, so one in-memory copy of
    # the final schema answers for all of them; built once per process (a few milliseconds).
    from .schema import MIGRATIONS
    from .store import run_script

    conn = sqlite3.connect(":memory:")
    try:
        for migration in MIGRATIONS:
            if isinstance(migration, str):
                run_script(conn, migration)
            else:
                migration(conn)
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: frozenset(col[1] for col in conn.execute(f"PRAGMA table_info({table})") if col[3])
            for table in tables
        }
    finally:
        conn.close()


def not_null_columns(table: str) -> frozenset[str]:
    """The columns of ``table`` declared NOT NULL."""
    try:
        return _catalogue()[table]
    except KeyError:
        raise ValueError(f"no table {table!r} in the schema") from None

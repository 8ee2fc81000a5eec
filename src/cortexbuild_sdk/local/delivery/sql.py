"""Query helpers that always return plain tuples, whatever row factory the host's connection uses."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def fetch_all(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.row_factory = None
    try:
        return list(cur.execute(sql, params).fetchall())
    finally:
        cur.close()


def fetch_one(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    rows = fetch_all(conn, sql, params)
    return rows[0] if rows else None

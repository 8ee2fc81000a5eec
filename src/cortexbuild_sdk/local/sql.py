"""SQL text the backend builds from its own identifiers (never from a request)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = ["update_columns"]


def update_columns(
    conn: sqlite3.Connection, table: str, row_id: object, values: Mapping[str, Any], *, key: str = "id"
) -> None:
    """``UPDATE table SET col = ?, ... WHERE key = ?``. Table and column names come from the backend's own
    code (bodies are validated into known fields first); every value is bound."""
    if not values:
        return
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", (*values.values(), row_id))

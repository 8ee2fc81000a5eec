"""Helpers shared by the services: keyset pagination, JSON columns, row lookups scoped to an account."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound
from ..sql import update_columns

__all__ = ["Page", "dumps", "fetch_owned", "loads", "paginate", "update_columns"]


@dataclass(frozen=True)
class Page:
    """``limit`` None = the whole list; ``after`` = the last id already returned (lists run newest first)."""

    limit: int | None = None
    after: int | None = None


ALL = Page()


def paginate(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any], page: Page, *, id_column: str = "id"
) -> tuple[list[sqlite3.Row], int | None]:
    """Run ``sql`` (a SELECT with a WHERE clause) newest first; return the rows and the next cursor id."""
    args = list(params)
    if page.after is not None:
        sql += f" AND {id_column} < ?"
        args.append(page.after)
    sql += f" ORDER BY {id_column} DESC"
    if page.limit is not None:
        sql += " LIMIT ?"
        args.append(page.limit + 1)
    rows = conn.execute(sql, args).fetchall()
    if page.limit is not None and len(rows) > page.limit:
        rows = rows[: page.limit]
        return rows, int(rows[-1][id_column])
    return rows, None


def fetch_owned(conn: sqlite3.Connection, table: str, what: str, row_id: int, account_id: int) -> sqlite3.Row:
    """The row, or :class:`NotFound` when it does not exist *or belongs to another account* (no existence
    oracle)."""
    row = conn.execute(f"SELECT * FROM {table} WHERE id = ? AND account_id = ?", (row_id, account_id)).fetchone()
    if row is None:
        raise NotFound(what, row_id)
    assert isinstance(row, sqlite3.Row)
    return row


def loads(text: str | None, default: Any) -> Any:
    if text is None:
        return default
    return json.loads(text)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

"""What the construction-domain services share: a declarative :class:`Resource` per table, its wire rendering,
tenant-scoped reads and writes, page listing, state machines and the change events.

Every function takes the caller's :class:`~.context.Ctx`; rows of other accounts look exactly like missing
ones (:class:`NotFound`). Writes run inside the caller's ``db.write()`` block so that a change and its
event (:func:`publish_change`) commit together.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..errors import Conflict, Invalid, NotFound
from ..http import iso
from ..schema_columns import not_null_columns
from ..sql import update_columns
from .common import loads
from .context import Ctx
from .events import announce, publish

__all__ = [
    "ListQuery",
    "Resource",
    "check_date_order",
    "check_deletable",
    "check_draft_only",
    "check_parent",
    "check_transition",
    "delete_row",
    "ensure_tenant",
    "fetch",
    "fetch_rendered",
    "insert_row",
    "list_page",
    "money",
    "move",
    "next_number",
    "publish_change",
    "refuse_nulls",
    "render",
    "update_row",
]

Kind = Literal["text", "int", "real", "money", "date", "instant", "bool", "rate", "items"]

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Resource:
    """One domain table: ``name`` keys events and ``data`` (``purchase_order``), ``label`` speaks to people."""

    table: str
    name: str
    label: str
    fields: Mapping[str, Kind]
    search: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()  # equality filters of the list route besides ``status``
    statuses: tuple[str, ...] = ()
    transitions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def allowed_from(self, status: str) -> tuple[str, ...]:
        return self.transitions.get(status, ())


def money(cents: int | None) -> int | float | None:
    """Cents -> a JSON number in currency units (``5000000``, ``1234.5``); exact for any realistic amount."""
    if cents is None:
        return None
    whole, rem = divmod(cents, 100)
    return whole if rem == 0 else cents / 100


def _rate(text: str | None) -> int | float | None:
    if text is None:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def render(res: Resource, row: sqlite3.Row) -> dict[str, Any]:
    """The object as GET returns it (and as event ``data`` carries it)."""
    out: dict[str, Any] = {"id": row["id"], "company_id": row["company_id"]}
    for name, kind in res.fields.items():
        value = row[name]
        if kind == "money":
            value = money(value)
        elif kind == "instant":
            value = iso(value)
        elif kind == "bool":
            value = None if value is None else bool(value)
        elif kind == "rate":
            value = _rate(value)
        elif kind == "items":
            value = loads(value, [])
        out[name] = value
    out["created_at"] = iso(row["created_at"])
    out["updated_at"] = iso(row["updated_at"])
    return out


# ---- reads ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    limit: int = DEFAULT_LIMIT
    status: str | None = None
    search: str | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_page(ctx: Ctx, res: Resource, query: ListQuery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One page, newest first, and ``{page, limit, total, totalPages}``.

    The page walks the filter's index in id order and stops after ``offset + limit`` entries; ``total`` is a
    COUNT over the same index, so it is O(matching rows) - cheap with the filter indexes, but not O(page).
    """
    where = ["account_id = ?"]
    args: list[Any] = [ctx.account.id]
    for name, value in query.filters.items():
        where.append(f"{name} = ?")
        args.append(value)
    if query.status is not None:
        where.append("status = ?")
        args.append(query.status)
    if query.search:
        pattern = _like(query.search)
        where.append("(" + " OR ".join(f"{col} LIKE ? ESCAPE '\\'" for col in res.search) + ")")
        args.extend(pattern for _ in res.search)
    clause = " AND ".join(where)
    with ctx.env.db.snapshot() as conn:
        total = int(conn.execute(f"SELECT COUNT(*) FROM {res.table} WHERE {clause}", args).fetchone()[0])
        rows = conn.execute(
            f"SELECT * FROM {res.table} WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*args, query.limit, (query.page - 1) * query.limit),
        ).fetchall()
    pages = math.ceil(total / query.limit)
    return [render(res, r) for r in rows], {
        "page": query.page,
        "limit": query.limit,
        "total": total,
        "totalPages": pages,
    }


def fetch(ctx: Ctx, conn: sqlite3.Connection, res: Resource, row_id: int) -> sqlite3.Row:
    """The caller's row, or :class:`NotFound` (also for another account's id: no existence oracle)."""
    row = conn.execute(
        f"SELECT * FROM {res.table} WHERE id = ? AND account_id = ?", (row_id, ctx.account.id)
    ).fetchone()
    if row is None:
        raise NotFound(res.label, row_id)
    assert isinstance(row, sqlite3.Row)
    return row


def check_parent(ctx: Ctx, conn: sqlite3.Connection, table: str, label: str, field_name: str, row_id: Any) -> None:
    """A referenced row (``project_id`` ...) must be the caller's: another account's id is as unknown as none."""
    if row_id is None:
        return
    found = conn.execute(f"SELECT 1 FROM {table} WHERE id = ? AND account_id = ?", (row_id, ctx.account.id))
    if found.fetchone() is None:
        message = f"{field_name}: {label} {row_id} not found"
        raise Invalid(message, code="resource_missing", details=[{"field": field_name, "message": f"no such {label}"}])


def check_date_order(
    earlier: str, later: str, values: Mapping[str, Any], row: sqlite3.Row | Mapping[str, Any] | None = None
) -> None:
    """400 when date field ``later`` falls before ``earlier`` (an end before its start), each taken from
    ``values`` or else the stored ``row``; a missing or cleared date is not compared. ISO dates order as text."""
    first = values[earlier] if earlier in values else (row[earlier] if row is not None else None)
    second = values[later] if later in values else (row[later] if row is not None else None)
    if first is not None and second is not None and str(second) < str(first):
        raise Invalid(
            f"{later} must not be before {earlier}", details=[{"field": later, "message": f"before {earlier}"}]
        )


# ---- writes (inside the caller's transaction) ---------------------------------------------------------------


def ensure_tenant(ctx: Ctx, conn: sqlite3.Connection) -> None:
    """Sandbox databases get a copy of the account row, which the domain tables' foreign keys point at."""
    if ctx.env.is_sandbox:
        acct = ctx.account
        conn.execute(
            "INSERT OR IGNORE INTO accounts (id, user_id, company_id, company_name, tier, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (acct.id, acct.user_id, acct.company_id, acct.company_name, acct.tier, ctx.now_ms()),
        )


def insert_row(ctx: Ctx, conn: sqlite3.Connection, res: Resource, values: Mapping[str, Any]) -> sqlite3.Row:
    ensure_tenant(ctx, conn)
    now = ctx.now_ms()
    columns = {"account_id": ctx.account.id, "company_id": ctx.account.company_id, **values}
    columns["created_at"] = columns["updated_at"] = now
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    cur = conn.execute(f"INSERT INTO {res.table} ({names}) VALUES ({marks})", tuple(columns.values()))
    assert cur.lastrowid is not None
    return fetch(ctx, conn, res, cur.lastrowid)


def refuse_nulls(table: str, values: Mapping[str, Any]) -> None:
    """An explicit null on a NOT NULL column of ``table`` is bad input (400 naming every such field), never a
    constraint failure (500). The update bodies call it before any state check; :func:`update_row` again."""
    nulls = sorted(k for k, v in values.items() if v is None and k in not_null_columns(table))
    if nulls:
        raise Invalid(
            f"{', '.join(nulls)} cannot be null: leave {'them' if len(nulls) > 1 else 'it'} out to keep"
            " the current value",
            details=[{"field": name, "message": "cannot be null"} for name in nulls],
        )


def update_row(
    ctx: Ctx, conn: sqlite3.Connection, res: Resource, row_id: int, values: Mapping[str, Any]
) -> sqlite3.Row:
    refuse_nulls(res.table, values)
    update_columns(conn, res.table, row_id, {**values, "updated_at": ctx.now_ms()})
    return fetch(ctx, conn, res, row_id)


def delete_row(ctx: Ctx, conn: sqlite3.Connection, res: Resource, row_id: int) -> sqlite3.Row:
    """Delete the caller's row; a row still referenced by others is refused (409), never cascaded."""
    row = fetch(ctx, conn, res, row_id)
    try:  # a failed statement undoes only itself: the transaction stays usable for the error path
        conn.execute(f"DELETE FROM {res.table} WHERE id = ?", (row_id,))
    except sqlite3.IntegrityError:
        raise Conflict(
            f"{res.label} {row_id} is still referenced by other records; delete or move those first",
            code="in_use",
        ) from None
    return row


def check_transition(res: Resource, row: sqlite3.Row, target: str, *, action: str | None = None) -> None:
    """409 with the legal next statuses in ``details.allowed`` unless ``status -> target`` is legal."""
    current = row["status"]
    allowed = res.allowed_from(current)
    if target not in allowed:
        verb = f"cannot {action}" if action else f"cannot move to {target!r}"
        raise Conflict(
            f"{res.label} {row['id']} is {current!r}: {verb}; allowed next: {', '.join(allowed) or 'none'}",
            code="invalid_transition",
            allowed=allowed,
            details={"status": current},
        )


def publish_change(
    ctx: Ctx,
    conn: sqlite3.Connection,
    res: Resource,
    event: str,
    row: sqlite3.Row,
    *,
    previous_status: str | None = None,
) -> dict[str, Any]:
    """Publish ``<res.name>.<event>`` with ``{<name>: object}`` (+ ``previous_status``); the rendered object."""
    obj = render(res, row)
    data: dict[str, Any] = {res.name: obj}
    if previous_status is not None:
        data["previous_status"] = previous_status
    publish(ctx, conn, f"{res.name}.{event}", data)
    return obj


def next_number(conn: sqlite3.Connection, res: Resource, column: str, prefix: str, account_id: int) -> str:
    """A fresh ``<prefix><n>`` for ``column``: ``n`` is the id the new row will get (ids are never reused), so
    it is O(1) and unique; a number a user already chose by hand is skipped. Runs inside the write
    transaction (``BEGIN IMMEDIATE`` serialises writers), so two creates can never pick the same one."""
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (res.table,)).fetchone()
    n = (int(seq[0]) if seq else 0) + 1
    while True:
        candidate = f"{prefix}{n:06d}"
        taken = conn.execute(
            f"SELECT 1 FROM {res.table} WHERE account_id = ? AND {column} = ?", (account_id, candidate)
        ).fetchone()
        if taken is None:
            return candidate
        n += 1


def check_unique(
    conn: sqlite3.Connection, res: Resource, column: str, value: str, scope: tuple[str, Any], row_id: int | None
) -> None:
    """409 ``duplicate`` when another row in ``scope`` (``("account_id", 1)``) already has ``column = value``."""
    sql = f"SELECT id FROM {res.table} WHERE {scope[0]} = ? AND {column} = ?"
    other = conn.execute(sql, (scope[1], value)).fetchone()
    if other is not None and other[0] != row_id:
        raise Conflict(
            f"{column} {value!r} is already used by {res.label} {other[0]}",
            code="duplicate",
            details={"field": column, "existing_id": other[0]},
        )


def changed(values: Mapping[str, Any], row: sqlite3.Row) -> dict[str, Any]:
    """The entries of ``values`` that differ from the stored row."""
    return {k: v for k, v in values.items() if row[k] != v}


def only(values: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: values[k] for k in names if k in values}


def fetch_rendered(ctx: Ctx, res: Resource, row_id: int) -> dict[str, Any]:
    """``GET /:id``: the caller's row, rendered."""
    with ctx.env.db.read() as conn:
        return render(res, fetch(ctx, conn, res, row_id))


def move(
    ctx: Ctx, res: Resource, row_id: int, target: str, *, action: str, values: Mapping[str, Any], event: str | None
) -> dict[str, Any]:
    """An action endpoint: move the row to ``target`` (setting ``values`` too) and publish ``event`` with
    ``previous_status``; ``event=None`` where the catalogue has none (then nothing is published)."""
    with ctx.env.db.write() as conn:
        row = fetch(ctx, conn, res, row_id)
        check_transition(res, row, target, action=action)
        done = update_row(ctx, conn, res, row_id, {**values, "status": target})
        if event is None:
            return render(res, done)
        obj = publish_change(ctx, conn, res, event, done, previous_status=row["status"])
    announce(ctx)
    return obj


def check_draft_only(
    res: Resource, row: sqlite3.Row, values: Mapping[str, Any], names: Iterable[str], *, note: str = ""
) -> None:
    """409 ``not_editable`` when ``values`` changes any of ``names`` on a row that is no longer a draft."""
    locked = [name for name in names if name in values]
    if locked and row["status"] != "draft":
        raise Conflict(
            f"{res.label} {row['id']} is {row['status']!r}: only a draft's {', '.join(locked)} can change{note}",
            code="not_editable",
        )


def check_deletable(res: Resource, row: sqlite3.Row, plural: str) -> None:
    """409 ``not_deletable`` unless the row is a draft or cancelled."""
    if row["status"] not in ("draft", "cancelled"):
        raise Conflict(
            f"{res.label} {row['id']} is {row['status']!r}: only draft or cancelled {plural} can be deleted",
            code="not_deletable",
        )

"""The :class:`~.local_data.LocalData` connectors use by default: the construction domain of one account and
environment (``ctx.account``, ``ctx.env``).

Reads are plain indexed queries on the domain tables; every write goes through the domain services, so a
connector's change is validated like an API call and publishes its event in the same transaction (a
QuickBooks payment pulled in emits ``invoice.paid``; a Drive file pulled in emits ``document.uploaded``).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Invalid, NotFound
from ..routes.domain_bodies import ClientCreate, ClientUpdate, InvoiceCreate, InvoiceUpdate
from ..services import clients as client_service
from ..services import documents as document_service
from ..services import invoices as invoice_service
from ..services.context import Ctx
from ..uploads import Upload, media_type
from .local_data import (
    Changed,
    LocalClient,
    LocalDocument,
    LocalInvoice,
    LocalLine,
    LocalWorkItem,
    RemoteClient,
    RemoteDocument,
    RemoteInvoice,
)

__all__ = ["DomainData"]

M = TypeVar("M", bound=BaseModel)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_OPEN_TASK = ("todo", "in-progress", "review", "blocked")
_TICK_WAIT_S = 0.02  # real time to wait for the backend clock to pass a change mark (a ManualClock never does)

# What a repeat sync reads: a range of the (account_id, updated_at) index, O(rows changed since the cursor).
CHANGED_CLIENTS_SQL = "SELECT id, name, email, phone, updated_at FROM clients WHERE account_id = ? AND updated_at >= ?"
CHANGED_INVOICES_SQL = "SELECT * FROM invoices WHERE account_id = ? AND updated_at >= ? AND status != 'cancelled'"
_OPEN = f"status IN ({', '.join(repr(s) for s in _OPEN_TASK)})"  # constants, inlined: the plan stays fixed
# Open tasks due by ?4 that changed since ?2, or whose due date came in after ?3: two index ranges, no scan.
CHANGED_DUE_TASKS_SQL = (
    "SELECT id, title, description, due_date FROM tasks WHERE account_id = ?1 AND updated_at >= ?2"
    f" AND {_OPEN} AND due_date <= ?4"
    " UNION SELECT id, title, description, due_date FROM tasks WHERE account_id = ?1 AND due_date > ?3"
    f" AND due_date <= ?4 AND {_OPEN}"
)
CHANGED_DOCUMENTS_SQL = "SELECT id, parent_document_id, version FROM documents WHERE account_id = ? AND updated_at >= ?"


def _cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def _invoice(row: sqlite3.Row) -> LocalInvoice:
    lines = tuple(
        LocalLine(str(it.get("description") or ""), _cents(it.get("amount", 0)), str(it.get("quantity", 1)))
        for it in json.loads(row["items"] or "[]")
    )
    return LocalInvoice(
        id=row["id"],
        client_id=row["client_id"],
        invoice_number=row["invoice_number"],
        issue_date=row["issue_date"],
        total_cents=row["total"],
        status=row["status"],
        updated_at=row["updated_at"],
        due_date=row["due_date"],
        lines=lines,
    )


def _client(row: sqlite3.Row) -> LocalClient:
    return LocalClient(row["id"], row["name"], row["updated_at"], email=row["email"], phone=row["phone"])


def _text(value: str | None) -> str:
    """Provider text as storable UTF-8 (a lone surrogate from a JSON escape becomes U+FFFD)."""
    return (value or "").encode("utf-8", "replace").decode("utf-8").strip()


def _units(cents: int) -> str:
    return str(Decimal(cents) / 100)


def _checked(model: type[M], wire: dict[str, Any]) -> M:
    """A provider's object through the same checks as a request body (so every stored value is renderable)."""
    try:
        return model.model_validate(wire)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_context=False, include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "object"
        raise Invalid(f"the provider's {where} was refused: {err['msg']}") from None


def _date_ms(day: str | None, fallback_ms: int) -> int:
    if not day:
        return fallback_ms
    try:
        return calendar.timegm(time.strptime(day[:10], "%Y-%m-%d")) * 1000
    except ValueError:
        return fallback_ms


class DomainData:
    """Connectors' view of one account's construction data (see the module docstring)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    # ---- clients and invoices ---------------------------------------------------------------------------

    def clients(self) -> Iterable[LocalClient]:
        with self.ctx.env.db.read() as conn:
            rows = conn.execute(
                "SELECT id, name, email, phone, updated_at FROM clients WHERE account_id = ? ORDER BY id",
                (self.ctx.account.id,),
            ).fetchall()
        return [_client(r) for r in rows]

    def invoices(self) -> Iterable[LocalInvoice]:
        with self.ctx.env.db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM invoices WHERE account_id = ? AND status != 'cancelled' ORDER BY id",
                (self.ctx.account.id,),
            ).fetchall()
        return [_invoice(r) for r in rows]

    def _changed(self, sql: str, since: int | None, *more: object) -> tuple[int, list[sqlite3.Row]]:
        """Rows of ``sql`` changed since ``since``, and the cursor for next time.

        Every domain write stamps ``updated_at`` inside its ``BEGIN IMMEDIATE`` transaction. Taking the mark
        inside one too means no write is half-done: every committed row has ``updated_at <= mark`` and is read
        here. The lock is kept until the clock has passed the mark, so every later write is stamped
        ``> mark`` - also later than the version of a row this read saw, so the connector's "changed since
        last synced" comparison cannot miss an edit landing in the same millisecond. If the clock does not
        move (a ManualClock), the next read starts at the mark itself: re-read rows are recognised as
        unchanged by their mapping."""
        with self.ctx.env.db.write() as conn:
            mark = self.ctx.now_ms()
            rows = conn.execute(sql, (self.ctx.account.id, since if since is not None else 0, *more)).fetchall()
            deadline = time.monotonic() + _TICK_WAIT_S
            while self.ctx.now_ms() <= mark and time.monotonic() < deadline:
                time.sleep(0.0002)
            after = mark + 1 if self.ctx.now_ms() > mark else mark
        rows.sort(key=lambda r: r["id"])  # a stable batch order: a retried batch keeps its request id
        return after, rows

    def clients_changed(self, since: int | None) -> Changed[LocalClient]:
        after, rows = self._changed(CHANGED_CLIENTS_SQL, since)
        return Changed(after, [_client(r) for r in rows])

    def invoices_changed(self, since: int | None) -> Changed[LocalInvoice]:
        after, rows = self._changed(CHANGED_INVOICES_SQL, since)
        return Changed(after, [_invoice(r) for r in rows])

    def invoices_numbered(self, numbers: Iterable[str]) -> Iterable[LocalInvoice]:
        wanted = list(dict.fromkeys(numbers))
        out: list[LocalInvoice] = []
        with self.ctx.env.db.read() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    "SELECT * FROM invoices WHERE account_id = ? AND status != 'cancelled'"
                    f" AND invoice_number IN ({', '.join('?' * len(chunk))})",
                    (self.ctx.account.id, *chunk),
                ).fetchall()
                out += [_invoice(r) for r in rows]
        return out

    def _owned(self, table: str, row_id: int) -> sqlite3.Row:
        """Row ``row_id`` of ``table`` if this account owns it, else ``NotFound`` (never another account's)."""
        with self.ctx.env.db.read() as conn:
            row = conn.execute(
                f"SELECT * FROM {table}s WHERE id = ? AND account_id = ?", (row_id, self.ctx.account.id)
            ).fetchone()
        if row is None:
            raise NotFound(table, row_id)
        assert isinstance(row, sqlite3.Row)
        return row

    def invoice(self, invoice_id: int) -> LocalInvoice:
        return _invoice(self._owned("invoice", invoice_id))

    def client(self, client_id: int) -> LocalClient:
        return _client(self._owned("client", client_id))

    def upsert_client(self, local_id: int | None, remote: RemoteClient) -> LocalClient:
        email = _text(remote.email)
        wire = {
            "name": _text(remote.name)[:200],
            "email": email if _EMAIL.match(email) and len(email) <= 254 else None,  # a malformed address is dropped
            "phone": _text(remote.phone)[:200] or None,
        }
        if local_id is None:
            obj = client_service.create(self.ctx, _checked(ClientCreate, wire).given())
        else:
            obj = client_service.update(self.ctx, local_id, _checked(ClientUpdate, wire).changes())
        with self.ctx.env.db.read() as conn:
            row = conn.execute("SELECT * FROM clients WHERE id = ?", (obj["id"],)).fetchone()
        return _client(row)

    def upsert_invoice(self, local_id: int | None, remote: RemoteInvoice) -> LocalInvoice:
        """A provider's invoice is an issued one: created as a draft, sent, and paid as far as the provider says
        (each step through the invoice service and its event). An existing draft takes the provider's lines and
        dates; an issued one only takes payments."""
        issue = remote.issue_date or invoice_service.utc_date(self.ctx.now_ms())
        items = [
            {"description": _text(line.description)[:500] or "Item", "quantity": 1, "unit_price": _units(cents)}
            for line in remote.lines
            for cents in (line.amount_cents,)
        ]
        if not items:
            whole = f"Invoice {_text(remote.invoice_number)}"[:500]
            items = [{"description": whole, "quantity": 1, "unit_price": _units(remote.total_cents)}]
        due = remote.due_date if remote.due_date and remote.due_date >= issue else issue
        wire: dict[str, Any] = {"issue_date": issue, "due_date": due, "items": items}
        if local_id is None:
            wire.update(client_id=remote.client_id, invoice_number=_text(remote.invoice_number)[:50])
            local_id = int(invoice_service.create(self.ctx, _checked(InvoiceCreate, wire).given())["id"])
            invoice_service.send(self.ctx, local_id)
        elif self.invoice(local_id).status == "draft":
            invoice_service.update(self.ctx, local_id, _checked(InvoiceUpdate, wire).changes())
        self._pay_down(local_id, remote.balance_cents, None)
        return self.invoice(local_id)

    def _pay_down(self, invoice_id: int, balance_cents: int, paid_at: str | None) -> bool:
        """Record the payment bringing the invoice's balance down to ``balance_cents``; True when one was."""
        with self.ctx.env.db.read() as conn:
            row = conn.execute("SELECT status, balance FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
        if row is None or row["status"] in ("paid", "cancelled") or row["balance"] <= balance_cents:
            return False
        if row["status"] == "draft":
            invoice_service.send(self.ctx, invoice_id)
        amount = row["balance"] - max(balance_cents, 0)
        invoice_service.pay(self.ctx, invoice_id, payment_date_ms=_date_ms(paid_at, self.ctx.now_ms()), amount=amount)
        return True

    def mark_invoice_paid(self, invoice_id: int, *, paid_cents: int, paid_at: str | None) -> bool:
        self.invoice(invoice_id)  # NotFound for another account's id
        return self._pay_down(invoice_id, 0, paid_at)

    # ---- documents --------------------------------------------------------------------------------------

    def _latest(self, conn: sqlite3.Connection, document_id: int) -> sqlite3.Row:
        """The latest version of the document ``document_id`` belongs to (its chain's root id names it)."""
        row = conn.execute(
            "SELECT id, parent_document_id FROM documents WHERE id = ? AND account_id = ?",
            (document_id, self.ctx.account.id),
        ).fetchone()
        if row is None:
            raise NotFound("document", document_id)
        root = row["parent_document_id"] or row["id"]
        latest = conn.execute(
            "SELECT d.*, ? AS root_id, p.name AS project_name FROM documents d"
            " LEFT JOIN projects p ON p.id = d.project_id"
            " WHERE d.id = COALESCE((SELECT id FROM documents WHERE parent_document_id = ?"
            " ORDER BY version DESC LIMIT 1), ?)",
            (root, root, root),
        ).fetchone()
        assert isinstance(latest, sqlite3.Row)
        return latest

    def _read(self, row: sqlite3.Row) -> bytes:
        return b"".join(document_service.store_for(self.ctx).open(row["sha256"]))

    def document(self, document_id: int) -> LocalDocument:
        with self.ctx.env.db.read() as conn:
            row = self._latest(conn, document_id)
        return self._local(row, self._read(row))

    @staticmethod
    def _local(row: sqlite3.Row, content: bytes) -> LocalDocument:
        return LocalDocument(
            id=row["root_id"],
            name=row["name"],
            mime_type=row["file_type"],
            content=content,
            updated_at=row["updated_at"],
            project_id=row["project_id"],
            project_name=row["project_name"],
        )

    def documents(self) -> Iterable[LocalDocument]:
        """Each document's latest version, *without* its bytes (``content`` is empty): callers load the few
        they send with :meth:`document`."""
        with self.ctx.env.db.read() as conn:
            rows = conn.execute(
                "SELECT d.*, COALESCE(d.parent_document_id, d.id) AS root_id, p.name AS project_name"
                " FROM documents d LEFT JOIN projects p ON p.id = d.project_id"
                " WHERE d.account_id = ? ORDER BY d.id",
                (self.ctx.account.id,),
            ).fetchall()
        latest: dict[int, sqlite3.Row] = {}
        for row in rows:
            if row["root_id"] not in latest or row["version"] > latest[row["root_id"]]["version"]:
                latest[row["root_id"]] = row
        return [self._local(row, b"") for row in latest.values()]

    def documents_changed(self, since: int | None) -> Changed[LocalDocument]:
        """The latest version (without bytes) of each document with a row changed since ``since``: a new
        version is a new row, so a changed document shows up by its own row or its new version's."""
        after, rows = self._changed(CHANGED_DOCUMENTS_SQL, since)
        roots = dict.fromkeys(r["parent_document_id"] or r["id"] for r in rows)
        out: list[LocalDocument] = []
        with self.ctx.env.db.read() as conn:
            for root in roots:
                try:
                    out.append(self._local(self._latest(conn, root), b""))
                except NotFound:  # deleted since
                    continue
        return Changed(after, out)

    def upsert_document(self, local_id: int | None, remote: RemoteDocument) -> LocalDocument:
        if local_id is not None:
            with self.ctx.env.db.read() as conn:
                current = self._latest(conn, local_id)
            if current["sha256"] == hashlib.sha256(remote.content).hexdigest():
                return self._local(current, remote.content)  # the same bytes: no new version
        elif remote.project_id is None:
            raise Invalid(f"file {remote.name!r} is in no project's folder: a document needs a project")
        staged = document_service.store_for(self.ctx).stage()
        upload = Upload({}, staged, remote.name[:255], media_type(remote.mime_type))
        try:
            staged.write(remote.content)
            staged.finish()
            if local_id is None:
                assert remote.project_id is not None
                saved = document_service.create(self.ctx, upload, project_id=remote.project_id, name=remote.name[:255])
            else:
                saved = document_service.add_version(self.ctx, local_id, upload, {"name": remote.name[:255]})
        finally:
            upload.close()
        return self.document(int(saved["id"]))

    # ---- RFIs and tasks ---------------------------------------------------------------------------------

    def work_item(self, kind: str, item_id: int) -> LocalWorkItem:
        if kind not in ("rfi", "task"):
            raise Invalid(f"unknown work item kind {kind!r}")
        with self.ctx.env.db.read() as conn:
            row = conn.execute(
                f"SELECT * FROM {kind}s WHERE id = ? AND account_id = ?", (item_id, self.ctx.account.id)
            ).fetchone()
        if row is None:
            raise NotFound("RFI" if kind == "rfi" else "task", item_id)
        if kind == "rfi":
            return LocalWorkItem("rfi", row["id"], f"{row['rfi_number']}: {row['subject']}", row["question"],
                                 row["due_date"])  # fmt: skip
        return LocalWorkItem("task", row["id"], row["title"], row["description"] or "", row["due_date"])

    def tasks_due_changed(self, since: int | None, due_after: str | None, through: str) -> Changed[LocalWorkItem]:
        after, rows = self._changed(CHANGED_DUE_TASKS_SQL, since, due_after or "", through)
        return Changed(
            after, [LocalWorkItem("task", r["id"], r["title"], r["description"] or "", r["due_date"]) for r in rows]
        )

    def tasks_due(self, through: str) -> Iterable[LocalWorkItem]:
        marks = ", ".join("?" for _ in _OPEN_TASK)
        with self.ctx.env.db.read() as conn:
            rows = conn.execute(
                f"SELECT id, title, description, due_date FROM tasks WHERE account_id = ? AND status IN ({marks})"
                " AND due_date IS NOT NULL AND due_date <= ? ORDER BY due_date, id",
                (self.ctx.account.id, *_OPEN_TASK, through),
            ).fetchall()
        return [LocalWorkItem("task", r["id"], r["title"], r["description"] or "", r["due_date"]) for r in rows]

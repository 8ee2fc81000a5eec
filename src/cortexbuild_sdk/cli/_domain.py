"""``cortexbuild projects|rfis|invoices ...``: everyday work on the construction objects (``--db`` or
``--base-url``). Options map one to one onto the typed client's arguments; money and dates are passed as text
(``--budget 4250000.00``, ``--due-date 2025-12-31``) and checked by the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from ._app import EXIT_USAGE, fail
from ._common import backend_options, emit, open_client

_PAGE = (
    click.option("--page", type=click.IntRange(1), default=None, help="The page (from 1); default: every page."),
    click.option("--limit", type=click.IntRange(1, 100), default=None, help="Objects per page (1-100)."),
    click.option("--search", default=None, help="Text to look for."),
)


def _options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(f: Any) -> Any:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _list(listing: Any, page: int | None, **filters: Any) -> Any:
    result = listing(page=page, **_given(filters))
    return result.data if page is not None else list(result)


def _items(text: str | None) -> Any:
    if text is None:
        return None
    try:
        items = json.loads(text, parse_float=str)
    except ValueError as exc:
        fail(f"--items must be a JSON list of {{description, quantity, unit_price}}: {exc}", EXIT_USAGE)
    if not isinstance(items, list):
        fail("--items must be a JSON list of {description, quantity, unit_price}", EXIT_USAGE)
    return items


# ---- projects ------------------------------------------------------------------------------------------------

_P_COLUMNS = ("id", "name", "project_number", "status", "budget", "progress", "client_id", "end_date")
_P_FIELDS = (
    click.option("--description", default=None),
    click.option("--project-number", default=None),
    click.option("--status", type=click.Choice(["planning", "active", "on-hold", "completed", "cancelled"])),
    click.option("--priority", default=None),
    click.option("--start-date", default=None, help="YYYY-MM-DD"),
    click.option("--end-date", default=None, help="YYYY-MM-DD"),
    click.option("--budget", default=None, help="Currency units, e.g. 4250000.00"),
    click.option("--address", default=None),
    click.option("--city", default=None),
    click.option("--state", default=None),
    click.option("--zip-code", default=None),
    click.option("--client-id", type=int, default=None),
)


@click.group()
def projects() -> None:
    """Projects: list, create, get, update, delete (a status change emits project.status_changed)."""


@projects.command("list")
@_options(*_PAGE)
@click.option("--status", default=None)
@click.option("--client-id", type=int, default=None)
@backend_options
def projects_list(
    page: int | None, limit: int | None, search: str | None, status: str | None, client_id: int | None
) -> None:
    """List projects, newest first."""
    with open_client() as client:
        rows = _list(client.projects.list, page, limit=limit, search=search, status=status, client_id=client_id)
        emit(rows, columns=_P_COLUMNS)


@projects.command("create")
@click.option("--name", required=True)
@_options(*_P_FIELDS)
@backend_options
def projects_create(name: str, **fields: Any) -> None:
    """Create a project (emits project.created)."""
    with open_client() as client:
        emit(client.projects.create(name=name, **_given(fields)))


@projects.command("get")
@click.argument("project_id", type=int)
@backend_options
def projects_get(project_id: int) -> None:
    """Show one project."""
    with open_client() as client:
        emit(client.projects.retrieve(project_id))


@projects.command("update")
@click.argument("project_id", type=int)
@click.option("--name", default=None)
@_options(*_P_FIELDS)
@click.option("--actual-cost", default=None)
@click.option("--progress", type=click.IntRange(0, 100), default=None)
@backend_options
def projects_update(project_id: int, **fields: Any) -> None:
    """Change the fields given (emits project.updated, and project.status_changed on a new --status)."""
    changes = _given(fields)
    if not changes:
        fail("nothing to update: give at least one field option (see --help)", EXIT_USAGE)
    with open_client() as client:
        emit(client.projects.update(project_id, **changes))


@projects.command("delete")
@click.argument("project_id", type=int)
@backend_options
def projects_delete(project_id: int) -> None:
    """Delete a project (emits project.deleted)."""
    with open_client() as client:
        client.projects.delete(project_id)
        emit({"deleted": True, "id": project_id})


# ---- rfis ----------------------------------------------------------------------------------------------------

_R_COLUMNS = ("id", "rfi_number", "project_id", "subject", "status", "assigned_to", "due_date")
_R_FIELDS = (
    click.option("--priority", default=None),
    click.option("--assigned-to", default=None),
    click.option("--due-date", default=None, help="YYYY-MM-DD"),
)


@click.group()
def rfis() -> None:
    """RFIs: list, create, get, update, answer, close, void, delete."""


@rfis.command("list")
@_options(*_PAGE)
@click.option("--status", default=None)
@click.option("--project-id", type=int, default=None)
@backend_options
def rfis_list(
    page: int | None, limit: int | None, search: str | None, status: str | None, project_id: int | None
) -> None:
    """List RFIs, newest first."""
    with open_client() as client:
        rows = _list(client.rfis.list, page, limit=limit, search=search, status=status, project_id=project_id)
        emit(rows, columns=_R_COLUMNS)


@rfis.command("create")
@click.option("--project-id", type=int, required=True)
@click.option("--subject", required=True)
@click.option("--question", required=True)
@click.option("--rfi-number", default=None)
@click.option("--submitted-by", default=None)
@_options(*_R_FIELDS)
@backend_options
def rfis_create(project_id: int, subject: str, question: str, **fields: Any) -> None:
    """Ask an RFI (emits rfi.created)."""
    with open_client() as client:
        emit(client.rfis.create(project_id=project_id, subject=subject, question=question, **_given(fields)))


@rfis.command("get")
@click.argument("rfi_id", type=int)
@backend_options
def rfis_get(rfi_id: int) -> None:
    """Show one RFI."""
    with open_client() as client:
        emit(client.rfis.retrieve(rfi_id))


@rfis.command("update")
@click.argument("rfi_id", type=int)
@click.option("--subject", default=None)
@click.option("--question", default=None)
@_options(*_R_FIELDS)
@backend_options
def rfis_update(rfi_id: int, **fields: Any) -> None:
    """Change the fields given."""
    changes = _given(fields)
    if not changes:
        fail("nothing to update: give at least one field option (see --help)", EXIT_USAGE)
    with open_client() as client:
        emit(client.rfis.update(rfi_id, **changes))


@rfis.command("answer")
@click.argument("rfi_id", type=int)
@click.option("--answer", required=True, help="The answer text.")
@backend_options
def rfis_answer(rfi_id: int, answer: str) -> None:
    """Answer an open RFI (emits rfi.answered)."""
    with open_client() as client:
        emit(client.rfis.answer(rfi_id, answer=answer))


@rfis.command("close")
@click.argument("rfi_id", type=int)
@backend_options
def rfis_close(rfi_id: int) -> None:
    """Close an answered RFI (emits rfi.closed)."""
    with open_client() as client:
        emit(client.rfis.close(rfi_id))


@rfis.command("void")
@click.argument("rfi_id", type=int)
@backend_options
def rfis_void(rfi_id: int) -> None:
    """Void an RFI that is not closed."""
    with open_client() as client:
        emit(client.rfis.void(rfi_id))


@rfis.command("delete")
@click.argument("rfi_id", type=int)
@backend_options
def rfis_delete(rfi_id: int) -> None:
    """Delete an RFI."""
    with open_client() as client:
        client.rfis.delete(rfi_id)
        emit({"deleted": True, "id": rfi_id})


# ---- invoices ------------------------------------------------------------------------------------------------

_I_COLUMNS = ("id", "invoice_number", "client_id", "status", "total", "balance", "due_date")
_I_FIELDS = (
    click.option("--tax-rate", default=None, help="A percentage, e.g. 8.25"),
    click.option("--notes", default=None),
    click.option("--terms", default=None),
)
_ITEMS_HELP = 'JSON list, e.g. \'[{"description": "Concrete", "quantity": 10, "unit_price": 120.5}]\''


@click.group()
def invoices() -> None:
    """Invoices: list, create, get, update, send, pay, cancel, delete."""


@invoices.command("list")
@_options(*_PAGE)
@click.option("--status", default=None)
@click.option("--project-id", type=int, default=None)
@click.option("--client-id", type=int, default=None)
@backend_options
def invoices_list(
    page: int | None, limit: int | None, search: str | None, status: str | None, project_id: int | None,
    client_id: int | None,
) -> None:  # fmt: skip
    """List invoices, newest first."""
    with open_client() as client:
        rows = _list(client.invoices.list, page, limit=limit, search=search, status=status, project_id=project_id,
                     client_id=client_id)  # fmt: skip
        emit(rows, columns=_I_COLUMNS)


@invoices.command("create")
@click.option("--client-id", type=int, required=True)
@click.option("--issue-date", required=True, help="YYYY-MM-DD")
@click.option("--due-date", required=True, help="YYYY-MM-DD")
@click.option("--items", required=True, help=_ITEMS_HELP)
@click.option("--project-id", type=int, default=None)
@click.option("--invoice-number", default=None)
@_options(*_I_FIELDS)
@backend_options
def invoices_create(client_id: int, issue_date: str, due_date: str, items: str, **fields: Any) -> None:
    """Draft an invoice (emits invoice.created); totals are computed by the server."""
    with open_client() as client:
        emit(client.invoices.create(client_id=client_id, issue_date=issue_date, due_date=due_date,
                                    items=_items(items), **_given(fields)))  # fmt: skip


@invoices.command("get")
@click.argument("invoice_id", type=int)
@backend_options
def invoices_get(invoice_id: int) -> None:
    """Show one invoice."""
    with open_client() as client:
        emit(client.invoices.retrieve(invoice_id))


@invoices.command("update")
@click.argument("invoice_id", type=int)
@click.option("--issue-date", default=None)
@click.option("--due-date", default=None)
@click.option("--items", default=None, help=_ITEMS_HELP)
@_options(*_I_FIELDS)
@backend_options
def invoices_update(invoice_id: int, items: str | None, **fields: Any) -> None:
    """Change the fields given; totals are recomputed."""
    changes = _given({**fields, "items": _items(items)})
    if not changes:
        fail("nothing to update: give at least one field option (see --help)", EXIT_USAGE)
    with open_client() as client:
        emit(client.invoices.update(invoice_id, **changes))


@invoices.command("send")
@click.argument("invoice_id", type=int)
@backend_options
def invoices_send(invoice_id: int) -> None:
    """Mark a draft sent (emits invoice.sent)."""
    with open_client() as client:
        emit(client.invoices.send(invoice_id))


@invoices.command("pay")
@click.argument("invoice_id", type=int)
@click.option("--payment-date", required=True, help="YYYY-MM-DD")
@click.option("--amount", default=None, help="Default: the whole balance.")
@backend_options
def invoices_pay(invoice_id: int, payment_date: str, amount: str | None) -> None:
    """Record a payment (emits invoice.paid)."""
    with open_client() as client:
        emit(client.invoices.pay(invoice_id, **_given({"payment_date": payment_date, "amount": amount})))


@invoices.command("cancel")
@click.argument("invoice_id", type=int)
@backend_options
def invoices_cancel(invoice_id: int) -> None:
    """Cancel an invoice that is not paid."""
    with open_client() as client:
        emit(client.invoices.cancel(invoice_id))


@invoices.command("delete")
@click.argument("invoice_id", type=int)
@backend_options
def invoices_delete(invoice_id: int) -> None:
    """Delete an invoice."""
    with open_client() as client:
        client.invoices.delete(invoice_id)
        emit({"deleted": True, "id": invoice_id})

"""``client.invoices``: invoices to clients (``/api/invoices``): drafted, sent, then paid (or overdue)."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.invoice import Invoice, InvoiceItem, InvoiceStatus
from ._domain import DateInput, ItemParam, MoneyInput, body, data, day, list_spec, money
from ._domain import items as encode_items

__all__ = ["Invoices"]

_BASE = "/api/invoices"


class Invoices(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        status: InvoiceStatus | None = None,
        search: str | None = None,
        client_id: int | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Invoice]:
        """Invoices, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "status": status, "search": search, "client_id": client_id}
        return list_spec(_BASE, Invoice, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Invoice]:
        """The invoice with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(invoice_id)}", data(Invoice), options=options)

    @endpoint
    def create(
        self,
        *,
        client_id: int,
        issue_date: DateInput,
        due_date: DateInput,
        items: Sequence[ItemParam | InvoiceItem],
        project_id: int | NotGiven = NOT_GIVEN,
        invoice_number: str | NotGiven = NOT_GIVEN,
        tax_rate: MoneyInput | NotGiven = NOT_GIVEN,
        notes: str | NotGiven = NOT_GIVEN,
        terms: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Invoice]:
        """Draft an invoice (emits ``invoice.created``). The server computes ``subtotal``, ``tax_amount``
        (``tax_rate`` is a percentage), ``total`` and ``balance`` from ``items``."""
        fields = body(
            client_id=client_id,
            issue_date=day(issue_date),
            due_date=day(due_date),
            items=encode_items(items),
            project_id=project_id,
            invoice_number=invoice_number,
            tax_rate=money(tax_rate),
            notes=notes,
            terms=terms,
        )
        return RequestSpec("POST", _BASE, data(Invoice), body=fields, options=options)

    @endpoint
    def update(
        self,
        invoice_id: int,
        *,
        issue_date: DateInput | NotGiven = NOT_GIVEN,
        due_date: DateInput | NotGiven = NOT_GIVEN,
        items: Sequence[ItemParam | InvoiceItem] | NotGiven = NOT_GIVEN,
        tax_rate: MoneyInput | NotGiven = NOT_GIVEN,
        notes: str | NotGiven | None = NOT_GIVEN,
        terms: str | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Invoice]:
        """Change only the fields given; totals are recomputed. Status moves through the action methods."""
        fields = body(
            issue_date=day(issue_date),
            due_date=day(due_date),
            items=encode_items(items),
            tax_rate=money(tax_rate),
            notes=notes,
            terms=terms,
        )
        return RequestSpec("PUT", f"{_BASE}/{path_id(invoice_id)}", data(Invoice), body=fields, options=options)

    @endpoint
    def delete(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the invoice."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(invoice_id)}", ack, options=options)

    @endpoint
    def send(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Invoice]:
        """Mark a draft sent (emits ``invoice.sent``); from then on it can go overdue."""
        return RequestSpec("PUT", f"{_BASE}/{path_id(invoice_id)}/send", data(Invoice), options=options)

    @endpoint
    def pay(
        self,
        invoice_id: int,
        *,
        payment_date: DateInput,
        amount: MoneyInput | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Invoice]:
        """Record a payment (the whole balance unless ``amount`` is given); emits ``invoice.paid``."""
        fields = body(payment_date=day(payment_date), amount=money(amount))
        path = f"{_BASE}/{path_id(invoice_id)}/pay"
        return RequestSpec("PUT", path, data(Invoice), body=fields, options=options)

    @endpoint
    def cancel(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Invoice]:
        """Cancel an invoice that is not paid."""
        return RequestSpec("PUT", f"{_BASE}/{path_id(invoice_id)}/cancel", data(Invoice), options=options)

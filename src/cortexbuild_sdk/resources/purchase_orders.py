"""``client.purchase_orders``: orders to vendors (``/api/purchase-orders``): drafted, sent, approved, received."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.invoice import InvoiceItem
from ..types.purchase_order import PurchaseOrder, PurchaseOrderStatus
from ._domain import DateInput, ItemParam, MoneyInput, body, data, day, list_spec, money
from ._domain import items as encode_items

__all__ = ["PurchaseOrders"]

_BASE = "/api/purchase-orders"


class PurchaseOrders(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        status: PurchaseOrderStatus | None = None,
        search: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[PurchaseOrder]:
        """Purchase orders, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "status": status, "search": search}
        return list_spec(_BASE, PurchaseOrder, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, purchase_order_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[PurchaseOrder]:
        """The purchase order with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(purchase_order_id)}", data(PurchaseOrder), options=options)

    @endpoint
    def create(
        self,
        *,
        vendor: str,
        issue_date: DateInput,
        items: Sequence[ItemParam | InvoiceItem],
        project_id: int | NotGiven = NOT_GIVEN,
        po_number: str | NotGiven = NOT_GIVEN,
        delivery_date: DateInput | NotGiven = NOT_GIVEN,
        tax_amount: MoneyInput | NotGiven = NOT_GIVEN,
        notes: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[PurchaseOrder]:
        """Draft a purchase order (emits ``purchase_order.created``); ``po_number`` is generated when not given."""
        fields = body(
            vendor=vendor,
            issue_date=day(issue_date),
            items=encode_items(items),
            project_id=project_id,
            po_number=po_number,
            delivery_date=day(delivery_date),
            tax_amount=money(tax_amount),
            notes=notes,
        )
        return RequestSpec("POST", _BASE, data(PurchaseOrder), body=fields, options=options)

    @endpoint
    def update(
        self,
        purchase_order_id: int,
        *,
        vendor: str | NotGiven = NOT_GIVEN,
        issue_date: DateInput | NotGiven = NOT_GIVEN,
        delivery_date: DateInput | NotGiven | None = NOT_GIVEN,
        items: Sequence[ItemParam | InvoiceItem] | NotGiven = NOT_GIVEN,
        tax_amount: MoneyInput | NotGiven = NOT_GIVEN,
        notes: str | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[PurchaseOrder]:
        """Change only the fields given; totals are recomputed. Status moves through the action methods."""
        fields = body(
            vendor=vendor,
            issue_date=day(issue_date),
            delivery_date=day(delivery_date),
            items=encode_items(items),
            tax_amount=money(tax_amount),
            notes=notes,
        )
        path = f"{_BASE}/{path_id(purchase_order_id)}"
        return RequestSpec("PUT", path, data(PurchaseOrder), body=fields, options=options)

    @endpoint
    def delete(self, purchase_order_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the purchase order."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(purchase_order_id)}", ack, options=options)

    @endpoint
    def send(self, purchase_order_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[PurchaseOrder]:
        """Mark a draft sent to the vendor."""
        return self._action(purchase_order_id, "send", options)

    @endpoint
    def approve(self, purchase_order_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[PurchaseOrder]:
        """Approve a draft or sent order (sets ``approved_at``; emits ``purchase_order.approved``)."""
        return self._action(purchase_order_id, "approve", options)

    @endpoint
    def receive(
        self,
        purchase_order_id: int,
        *,
        received_date: DateInput | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[PurchaseOrder]:
        """Record delivery of an approved order (emits ``purchase_order.received``)."""
        return self._action(purchase_order_id, "receive", options, body(received_date=day(received_date)))

    def _action(
        self, purchase_order_id: int, action: str, options: RequestOptions, fields: object = None
    ) -> RequestSpec[PurchaseOrder]:
        path = f"{_BASE}/{path_id(purchase_order_id)}/{action}"
        return RequestSpec("PUT", path, data(PurchaseOrder), body=fields, options=options)

"""An invoice to a client (``/api/invoices``); its totals are computed by the server from ``items``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from .._models import LooseDate, Timestamp
from ._domain import DomainModel, JsonItems, Money

__all__ = ["Invoice", "InvoiceItem", "InvoiceStatus"]

InvoiceStatus = Literal["draft", "sent", "paid", "overdue", "cancelled"] | str
"""The documented states; a state added by a newer server is kept as its string."""


class InvoiceItem(DomainModel):
    """One line of an invoice or purchase order. ``quantity`` is exact too (``Decimal``)."""

    description: str | None = None
    quantity: Money = Decimal(0)
    unit_price: Money = Decimal(0)
    amount: Money | None = None
    """The line total when the server renders one."""


class Invoice(DomainModel):
    id: int
    company_id: str | None = None
    project_id: int | None = None
    client_id: int | None = None
    invoice_number: str | None = None
    status: InvoiceStatus | None = None
    issue_date: LooseDate | None = None
    due_date: LooseDate | None = None
    subtotal: Money | None = None
    tax_rate: Money | None = None
    """A percentage (``Decimal("8.25")`` is 8.25 %)."""
    tax_amount: Money | None = None
    total: Money | None = None
    paid_amount: Money | None = None
    balance: Money | None = None
    notes: str | None = None
    terms: str | None = None
    paid_at: Timestamp | None = None
    items: Annotated[list[InvoiceItem], JsonItems] = Field(default_factory=list)
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None

"""A customer of the company (``/api/clients``): who projects are built for and invoices are sent to."""

from __future__ import annotations

from .._models import Timestamp
from ._domain import DomainModel, Money

__all__ = ["Client"]


class Client(DomainModel):
    id: int
    company_id: str | None = None
    name: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    website: str | None = None
    tax_id: str | None = None
    payment_terms: str | None = None
    """Free text or a number of days, as the platform stores it (e.g. ``"30"``)."""
    credit_limit: Money | None = None
    notes: str | None = None
    is_active: bool | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None

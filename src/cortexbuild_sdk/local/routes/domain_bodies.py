"""Request bodies of the construction domain: strict, unknown fields refused, converted at the edge.

Money arrives as a JSON number (or numeric string) in currency units with at most 2 decimals and leaves
these models as integer cents; quantities and rates as :class:`~decimal.Decimal`; calendar dates as
validated ``YYYY-MM-DD`` text; instants (ISO-8601, SQLite text or epoch ms) as epoch ms.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints

from ..errors import Invalid
from ..services.domain import refuse_nulls
from ..services.money import MAX_CENTS
from .times import parse_instant

__all__ = ["DomainBody", "Instant", "Items", "Money", "Name", "Rate", "Short", "Text"]

_MAX_CENTS = MAX_CENTS
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DomainBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    def given(self) -> dict[str, Any]:
        """The fields set to a value (for creates: absent and null both mean "use the default")."""
        return self.model_dump(include=self.model_fields_set, exclude_none=True)

    table: ClassVar[str] = ""
    """The table an update body writes: its NOT NULL columns (``schema_columns``) cannot be set to null."""

    def changes(self) -> dict[str, Any]:
        """The fields an update gave. ``null`` clears an optional field; a NOT NULL column of :attr:`table`
        cannot be cleared (400 here, before any state check of the service). An empty update is refused."""
        out = self.model_dump(include=self.model_fields_set)
        refuse_nulls(self.table, out)
        if not out:
            raise Invalid("nothing to update: the body has none of the updatable fields")
        return out


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if not parsed.is_finite():
            raise ValueError("must be a finite number")
        return parsed
    raise ValueError("must be a number")


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money(value: object) -> int:
    amount = _decimal(value)
    if amount < 0:
        raise ValueError("must not be negative")
    if _places(amount) > 2:
        raise ValueError("must have at most 2 decimal places")
    cents = int(amount * 100)
    if cents > _MAX_CENTS:
        raise ValueError("is too large")
    return cents


def _quantity(value: object) -> Decimal:
    quantity = _decimal(value)
    if quantity <= 0 or quantity > 10**9:
        raise ValueError("must be greater than 0 and at most 1e9")
    if _places(quantity) > 4:
        raise ValueError("must have at most 4 decimal places")
    return quantity.normalize()


def _rate(value: object) -> Decimal:
    rate = _decimal(value)
    if not 0 <= rate <= 100:
        raise ValueError("must be a percentage from 0 to 100")
    if _places(rate) > 4:
        raise ValueError("must have at most 4 decimal places")
    return rate


def _date(value: object) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real calendar date") from None
    return value


def _instant(value: object) -> int:
    try:
        return parse_instant(value, "value")
    except Invalid:
        raise ValueError("must be an ISO-8601 time, SQLite 'YYYY-MM-DD HH:MM:SS' text or epoch milliseconds") from None


def _hours(value: object) -> float:
    hours = float(_decimal(value))
    if not 0 <= hours <= 100_000:
        raise ValueError("must be from 0 to 100000")
    return hours


Money = Annotated[int, PlainValidator(_money)]
Quantity = Annotated[Decimal, PlainValidator(_quantity)]
Rate = Annotated[Decimal, PlainValidator(_rate)]
Day = Annotated[str, PlainValidator(_date)]
Instant = Annotated[int, PlainValidator(_instant)]
Hours = Annotated[float, PlainValidator(_hours)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Percent = Annotated[int, Field(ge=0, le=100)]


class Item(DomainBody):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    quantity: Quantity
    unit_price: Money


Items = Annotated[list[Item], Field(min_length=1, max_length=500)]

ProjectStatus = Literal["planning", "active", "on-hold", "completed", "cancelled"]
TaskStatus = Literal["todo", "in-progress", "review", "completed", "blocked"]


class ProjectFields(DomainBody):
    description: Text | None = None
    project_number: Short | None = None
    status: ProjectStatus | None = None
    priority: Short | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    budget: Money | None = None
    actual_cost: Money | None = None
    address: Short | None = None
    city: Short | None = None
    state: Short | None = None
    zip_code: Short | None = None
    client_id: Id | None = None
    progress: Percent | None = None


class ProjectCreate(ProjectFields):
    name: Name


class ProjectUpdate(ProjectFields):
    table = "projects"
    name: Name | None = None


class TaskFields(DomainBody):
    description: Text | None = None
    status: TaskStatus | None = None
    priority: Short | None = None
    assigned_to: Short | None = None
    due_date: Day | None = None
    estimated_hours: Hours | None = None
    actual_hours: Hours | None = None
    progress: Percent | None = None


class TaskCreate(TaskFields):
    project_id: Id
    title: Name


class TaskUpdate(TaskFields):
    table = "tasks"
    project_id: Id | None = None
    title: Name | None = None


class RfiFields(DomainBody):
    rfi_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    priority: Short | None = None
    assigned_to: Short | None = None
    submitted_by: Short | None = None
    due_date: Day | None = None


class RfiCreate(RfiFields):
    project_id: Id
    subject: Name
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class RfiUpdate(RfiFields):
    table = "rfis"
    project_id: Id | None = None
    subject: Name | None = None
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)] | None = None


class RfiAnswer(DomainBody):
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class InvoiceFields(DomainBody):
    project_id: Id | None = None
    invoice_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    tax_rate: Rate | None = None
    notes: Text | None = None
    terms: Text | None = None


class InvoiceCreate(InvoiceFields):
    client_id: Id
    issue_date: Day
    due_date: Day
    items: Items


class InvoiceUpdate(InvoiceFields):
    table = "invoices"
    client_id: Id | None = None
    issue_date: Day | None = None
    due_date: Day | None = None
    items: Items | None = None


class InvoicePay(DomainBody):
    payment_date: Day
    amount: Money | None = None


class ClientFields(DomainBody):
    contact_name: Short | None = None
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    phone: Short | None = None
    address: Short | None = None
    city: Short | None = None
    state: Short | None = None
    zip_code: Short | None = None
    country: Short | None = None
    website: Short | None = None
    tax_id: Short | None = None
    payment_terms: Short | None = None
    credit_limit: Money | None = None
    notes: Text | None = None
    is_active: bool | None = None


class ClientCreate(ClientFields):
    name: Name


class ClientUpdate(ClientFields):
    table = "clients"
    name: Name | None = None


class TimeEntryFields(DomainBody):
    task_id: Id | None = None
    description: Text | None = None
    end_time: Instant | None = None
    is_billable: bool | None = None
    hourly_rate: Money | None = None


class TimeEntryCreate(TimeEntryFields):
    project_id: Id
    start_time: Instant
    user_id: Short | None = None


class TimeEntryUpdate(TimeEntryFields):
    table = "time_entries"
    project_id: Id | None = None
    start_time: Instant | None = None


class PurchaseOrderFields(DomainBody):
    project_id: Id | None = None
    po_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    delivery_date: Day | None = None
    tax_amount: Money | None = None
    notes: Text | None = None


class PurchaseOrderCreate(PurchaseOrderFields):
    vendor: Name
    issue_date: Day
    items: Items


class PurchaseOrderUpdate(PurchaseOrderFields):
    table = "purchase_orders"
    vendor: Name | None = None
    issue_date: Day | None = None
    items: Items | None = None
    status: Literal["cancelled"] | None = None


class PurchaseOrderReceive(DomainBody):
    received_date: Day | None = None

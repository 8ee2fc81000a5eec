"""Typed webhook event models: a discriminated union on ``event`` over the platform's catalogue.

Each event's ``data`` holds the object as the API's GET renders it, parsed into the very model the client
returns (``RfiAnsweredEvent.data.rfi`` is a :class:`~cortexbuild_sdk.types.Rfi`), plus ``previous_status``
on status changes. Those models keep unknown fields and read like dicts too (``data["rfi"]["subject"]``).

Kept apart from :mod:`cortexbuild_sdk.webhooks` so that verifying a delivery never pays for building these
models; they are imported on the first :func:`~cortexbuild_sdk.webhooks.construct_event` call.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from cortexbuild_sdk._events import EVENT_TYPES, TEST_EVENT
from cortexbuild_sdk.types.client import Client
from cortexbuild_sdk.types.document import Document
from cortexbuild_sdk.types.invoice import Invoice, InvoiceStatus
from cortexbuild_sdk.types.project import Project, ProjectStatus
from cortexbuild_sdk.types.purchase_order import PurchaseOrder, PurchaseOrderStatus
from cortexbuild_sdk.types.rfi import Rfi, RfiStatus
from cortexbuild_sdk.types.task import Task, TaskStatus
from cortexbuild_sdk.types.time_entry import TimeEntry, TimeEntryStatus

__all__ = [
    "EVENT_MODELS",
    "BaseWebhookEvent",
    "ClientCreatedEvent",
    "ClientEventData",
    "ClientUpdatedEvent",
    "DocumentEventData",
    "DocumentSharedEvent",
    "DocumentUploadedEvent",
    "EpochMs",
    "EventData",
    "InvoiceCreatedEvent",
    "InvoiceEventData",
    "InvoiceOverdueEvent",
    "InvoicePaidEvent",
    "InvoiceSentEvent",
    "KnownWebhookEvent",
    "ProjectCreatedEvent",
    "ProjectDeletedEvent",
    "ProjectEventData",
    "ProjectStatusChangedEvent",
    "ProjectUpdatedEvent",
    "PurchaseOrderApprovedEvent",
    "PurchaseOrderCreatedEvent",
    "PurchaseOrderEventData",
    "PurchaseOrderReceivedEvent",
    "RfiAnsweredEvent",
    "RfiClosedEvent",
    "RfiCreatedEvent",
    "RfiEventData",
    "TaskCompletedEvent",
    "TaskCreatedEvent",
    "TaskDeletedEvent",
    "TaskEventData",
    "TaskUpdatedEvent",
    "TimeEntryApprovedEvent",
    "TimeEntryCreatedEvent",
    "TimeEntryEventData",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookTestData",
    "WebhookTestEvent",
    "validate_event_json",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _from_epoch_ms(value: Any) -> Any:
    # The body carries epoch *milliseconds*; pydantic's own int->datetime guesses s vs ms by magnitude, which
    # is wrong for small values, so convert explicitly. Strings (ISO-8601) fall through to pydantic.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return _EPOCH + timedelta(milliseconds=value)
        except (OverflowError, ValueError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    return value


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


EpochMs = Annotated[datetime, BeforeValidator(_from_epoch_ms), AfterValidator(_as_utc)]
"""A UTC datetime read from epoch milliseconds (or an ISO-8601 string)."""


class EventData(BaseModel):
    """Base of every event's ``data``: unknown fields are kept and reachable as ``data["name"]`` too."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def __getitem__(self, key: str) -> Any:
        if key in type(self).model_fields:
            return getattr(self, key)
        extra = self.__pydantic_extra__ or {}
        return extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``dict.get`` for the data block, declared or extra field alike."""
        try:
            return self[key]
        except KeyError:
            return default


class ProjectEventData(EventData):
    project: Project
    previous_status: ProjectStatus | None = None
    """On ``project.status_changed``: the status before the change."""


class TaskEventData(EventData):
    task: Task
    previous_status: TaskStatus | None = None
    """On a status change (``task.completed``): the status before it."""


class RfiEventData(EventData):
    rfi: Rfi
    previous_status: RfiStatus | None = None
    """On a status change (``rfi.answered``, ``rfi.closed``): the status before it."""


class InvoiceEventData(EventData):
    invoice: Invoice
    previous_status: InvoiceStatus | None = None
    """On a status change (``invoice.sent``, ``.paid``, ``.overdue``): the status before it."""


class ClientEventData(EventData):
    client: Client


class DocumentEventData(EventData):
    document: Document


class TimeEntryEventData(EventData):
    time_entry: TimeEntry
    previous_status: TimeEntryStatus | None = None
    """On ``time_entry.approved``: the status before it."""


class PurchaseOrderEventData(EventData):
    purchase_order: PurchaseOrder
    previous_status: PurchaseOrderStatus | None = None
    """On a status change (``purchase_order.approved``, ``.received``): the status before it."""


class WebhookTestData(EventData):
    """``webhook.test`` carries free-form data."""


class BaseWebhookEvent(BaseModel):
    """Fields every delivery body has: ``{"event", "timestamp", "data", "company_id", "user_id"}``."""

    # The server is loose with id types (integers or strings): expose strings.
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str | None = None
    """Event id (added by the local backend; the seed's payload has none)."""
    event: str = Field(strict=True)
    timestamp: EpochMs
    company_id: str | None = None
    user_id: str | None = None


class ProjectCreatedEvent(BaseWebhookEvent):
    event: Literal["project.created"]
    data: ProjectEventData


class ProjectUpdatedEvent(BaseWebhookEvent):
    event: Literal["project.updated"]
    data: ProjectEventData


class ProjectDeletedEvent(BaseWebhookEvent):
    event: Literal["project.deleted"]
    data: ProjectEventData


class ProjectStatusChangedEvent(BaseWebhookEvent):
    event: Literal["project.status_changed"]
    data: ProjectEventData


class TaskCreatedEvent(BaseWebhookEvent):
    event: Literal["task.created"]
    data: TaskEventData


class TaskUpdatedEvent(BaseWebhookEvent):
    event: Literal["task.updated"]
    data: TaskEventData


class TaskDeletedEvent(BaseWebhookEvent):
    event: Literal["task.deleted"]
    data: TaskEventData


class TaskCompletedEvent(BaseWebhookEvent):
    event: Literal["task.completed"]
    data: TaskEventData


class RfiCreatedEvent(BaseWebhookEvent):
    event: Literal["rfi.created"]
    data: RfiEventData


class RfiAnsweredEvent(BaseWebhookEvent):
    event: Literal["rfi.answered"]
    data: RfiEventData


class RfiClosedEvent(BaseWebhookEvent):
    event: Literal["rfi.closed"]
    data: RfiEventData


class InvoiceCreatedEvent(BaseWebhookEvent):
    event: Literal["invoice.created"]
    data: InvoiceEventData


class InvoiceSentEvent(BaseWebhookEvent):
    event: Literal["invoice.sent"]
    data: InvoiceEventData


class InvoicePaidEvent(BaseWebhookEvent):
    event: Literal["invoice.paid"]
    data: InvoiceEventData


class InvoiceOverdueEvent(BaseWebhookEvent):
    event: Literal["invoice.overdue"]
    data: InvoiceEventData


class ClientCreatedEvent(BaseWebhookEvent):
    event: Literal["client.created"]
    data: ClientEventData


class ClientUpdatedEvent(BaseWebhookEvent):
    event: Literal["client.updated"]
    data: ClientEventData


class DocumentUploadedEvent(BaseWebhookEvent):
    event: Literal["document.uploaded"]
    data: DocumentEventData


class DocumentSharedEvent(BaseWebhookEvent):
    event: Literal["document.shared"]
    data: DocumentEventData


class TimeEntryCreatedEvent(BaseWebhookEvent):
    event: Literal["time_entry.created"]
    data: TimeEntryEventData


class TimeEntryApprovedEvent(BaseWebhookEvent):
    event: Literal["time_entry.approved"]
    data: TimeEntryEventData


class PurchaseOrderCreatedEvent(BaseWebhookEvent):
    event: Literal["purchase_order.created"]
    data: PurchaseOrderEventData


class PurchaseOrderApprovedEvent(BaseWebhookEvent):
    event: Literal["purchase_order.approved"]
    data: PurchaseOrderEventData


class PurchaseOrderReceivedEvent(BaseWebhookEvent):
    event: Literal["purchase_order.received"]
    data: PurchaseOrderEventData


class WebhookTestEvent(BaseWebhookEvent):
    """Sent by ``POST /api/integrations/webhooks/:id/test``."""

    event: Literal["webhook.test"]
    data: WebhookTestData = WebhookTestData()


class UnknownWebhookEvent(BaseWebhookEvent):
    """An event name this SDK version does not know yet: kept whole rather than rejected."""

    data: Any = None


KnownWebhookEvent = Annotated[
    Union[  # noqa: UP007 - the X | Y form of this alias fails at run time on Python 3.10
        ProjectCreatedEvent,
        ProjectUpdatedEvent,
        ProjectDeletedEvent,
        ProjectStatusChangedEvent,
        TaskCreatedEvent,
        TaskUpdatedEvent,
        TaskDeletedEvent,
        TaskCompletedEvent,
        RfiCreatedEvent,
        RfiAnsweredEvent,
        RfiClosedEvent,
        InvoiceCreatedEvent,
        InvoiceSentEvent,
        InvoicePaidEvent,
        InvoiceOverdueEvent,
        ClientCreatedEvent,
        ClientUpdatedEvent,
        DocumentUploadedEvent,
        DocumentSharedEvent,
        TimeEntryCreatedEvent,
        TimeEntryApprovedEvent,
        PurchaseOrderCreatedEvent,
        PurchaseOrderApprovedEvent,
        PurchaseOrderReceivedEvent,
        WebhookTestEvent,
    ],
    Field(discriminator="event"),
]
"""A body whose ``event`` is in the catalogue (or ``webhook.test``), typed by that name."""


EVENT_MODELS: dict[str, type[BaseWebhookEvent]] = {
    get_args(cls.model_fields["event"].annotation)[0]: cls for cls in get_args(get_args(KnownWebhookEvent)[0])
}
"""Event name -> model, for the 24 catalogue events plus ``webhook.test`` (read off the union above)."""

if set(EVENT_MODELS) != {*EVENT_TYPES, TEST_EVENT}:  # pragma: no cover - guards against catalogue drift
    raise RuntimeError("cortexbuild_sdk._events.EVENT_TYPES and the webhook event models disagree")

WebhookEvent = Union[KnownWebhookEvent, UnknownWebhookEvent]  # noqa: UP007
"""Any delivery body: a known event's model, or :class:`UnknownWebhookEvent`."""

# A plain "event" discriminator lets pydantic-core dispatch on the JSON directly (a callable one would first
# build Python objects for the whole body); unknown names are caught below and retried as the generic model.
_KNOWN_ADAPTER: TypeAdapter[KnownWebhookEvent] = TypeAdapter(KnownWebhookEvent)


def validate_event_json(body: bytes | str) -> WebhookEvent:
    """Parse and validate a delivery body in one pass; raises pydantic's ``ValidationError``."""
    try:
        return _KNOWN_ADAPTER.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if len(errors) == 1 and errors[0]["type"] == "union_tag_invalid" and errors[0]["loc"] == ():
            return UnknownWebhookEvent.model_validate_json(body)
        raise

"""The construction routes' entries of the OpenAPI maps (merged into ``schemas.py``'s).

Envelopes per CONTRACT.md ("Construction domain"): list ``{data, pagination}``, get and actions ``{data}``,
create and update ``{data, message}``, delete ``{message}``. Objects are the client's own types, so the wire
the client reads is the wire the backend writes. Documents upload ``multipart/form-data``
(:data:`MULTIPART`) and download raw bytes (:data:`BINARY`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...types.client import Client
from ...types.document import Document
from ...types.invoice import Invoice
from ...types.project import Project
from ...types.purchase_order import PurchaseOrder
from ...types.rfi import Rfi
from ...types.task import Task
from ...types.time_entry import TimeEntry, TimeEntrySummary
from ..services import clients, invoices, projects, purchase_orders, rfis, tasks, time_entries
from ..services import documents as document_service
from . import domain_bodies as b

__all__ = ["BINARY", "MULTIPART", "QUERY", "REQUESTS", "RESPONSES", "FileContent", "Params"]


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    success: Literal[True]


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    totalPages: int


class Deleted(_Envelope):
    """The object was deleted."""

    message: str


class FileContent(BaseModel):
    """The file's bytes, with its own content type (``application/octet-stream`` if unknown)."""


class TimeEntrySummaryOut(_Envelope):
    """Totals over the matching time entries."""

    data: TimeEntrySummary


class DocumentUpload(BaseModel):
    """A new document: the file part plus its metadata (multipart/form-data)."""

    file: bytes = Field(description="The file (one part named `file`; its filename and type are kept).")
    project_id: int = Field(ge=1, le=2**63 - 1)
    name: str = Field(min_length=1, max_length=255, pattern=r"\S")
    description: str | None = Field(default=None, max_length=5000)
    category: Literal[document_service.CATEGORIES] | None = None  # type: ignore[valid-type]
    is_public: bool | None = None


class DocumentVersionUpload(BaseModel):
    """A new version of a document (multipart/form-data); metadata not given is inherited."""

    file: bytes = Field(description="The new version's file.")
    name: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"\S")
    description: str | None = Field(default=None, max_length=5000)
    category: Literal[document_service.CATEGORIES] | None = None  # type: ignore[valid-type]
    is_public: bool | None = None


class DocumentUpdate(BaseModel):
    """Metadata to change (at least one field)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    name: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"\S")
    description: str | None = Field(default=None, max_length=5000)
    category: Literal[document_service.CATEGORIES] | None = None  # type: ignore[valid-type]
    is_public: bool | None = None
    project_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class DocumentShare(BaseModel):
    """Share with addresses and/or make public (at least one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    emails: list[Annotated[str, Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")]] | None = Field(
        default=None, max_length=document_service.MAX_SHARED_WITH
    )
    is_public: bool | None = None


def _envelopes(name: str, model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    one: Any = create_model(f"{name}Out", __base__=_Envelope, data=(model, ...))
    one.__doc__ = f"The {name}."
    with_message: Any = create_model(f"{name}Saved", __base__=_Envelope, data=(model, ...), message=(str, ...))
    with_message.__doc__ = f"The {name}, created or updated."
    items: Any = list[model]  # type: ignore[valid-type]
    page: Any = create_model(f"{name}Page", __base__=_Envelope, data=(items, ...), pagination=(Pagination, ...))
    page.__doc__ = f"One page of {name} objects, newest first."
    return {"one": one, "saved": with_message, "page": page}


class Params:
    """Query parameter schemas (JSON Schema dicts) of the list routes."""

    ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    TEXT: dict[str, Any] = {"type": "string", "maxLength": 200}
    BOOL: dict[str, Any] = {"type": "boolean"}


_TIME_FILTERS: dict[str, Any] = {"project_id": Params.ID, "task_id": Params.ID, "user_id": Params.TEXT}

# (path, object model, name, create body, update body, service resource, extra filters, actions {suffix: body})
_AREAS: list[tuple[str, type[BaseModel], str, Any, Any, Any, dict[str, Any], dict[str, Any]]] = [
    ("/api/projects", Project, "Project", b.ProjectCreate, b.ProjectUpdate, projects.PROJECT,
     {"client_id": Params.ID}, {}),
    ("/api/tasks", Task, "Task", b.TaskCreate, b.TaskUpdate, tasks.TASK, {"project_id": Params.ID},
     {"complete": None}),
    ("/api/rfis", Rfi, "Rfi", b.RfiCreate, b.RfiUpdate, rfis.RFI, {"project_id": Params.ID},
     {"answer": b.RfiAnswer, "close": None, "void": None}),
    ("/api/invoices", Invoice, "Invoice", b.InvoiceCreate, b.InvoiceUpdate, invoices.INVOICE,
     {"project_id": Params.ID, "client_id": Params.ID}, {"send": None, "pay": b.InvoicePay, "cancel": None}),
    ("/api/clients", Client, "Client", b.ClientCreate, b.ClientUpdate, clients.CLIENT, {"is_active": Params.BOOL},
     {}),
    ("/api/time-entries", TimeEntry, "TimeEntry", b.TimeEntryCreate, b.TimeEntryUpdate, time_entries.TIME_ENTRY,
     _TIME_FILTERS, {"approve": None}),
    ("/api/purchase-orders", PurchaseOrder, "PurchaseOrder", b.PurchaseOrderCreate, b.PurchaseOrderUpdate,
     purchase_orders.PURCHASE_ORDER, {"project_id": Params.ID},
     {"send": None, "approve": None, "receive": b.PurchaseOrderReceive}),
    ("/api/documents", Document, "Document", None, DocumentUpdate, None,
     {"project_id": Params.ID, "category": {"type": "string", "enum": list(document_service.CATEGORIES)},
      "parent_document_id": Params.ID}, {"share": DocumentShare}),
]  # fmt: skip

RESPONSES: dict[tuple[str, str], tuple[int, type[BaseModel]]] = {}
REQUESTS: dict[tuple[str, str], type[BaseModel]] = {}
QUERY: dict[tuple[str, str], list[dict[str, Any]]] = {}
MULTIPART: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/api/documents"): DocumentUpload,
    ("POST", "/api/documents/:id/versions"): DocumentVersionUpload,
}
BINARY: frozenset[tuple[str, str]] = frozenset({("GET", "/api/documents/:id/download")})


def _list_params(statuses: tuple[str, ...], filters: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": "page", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
        {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 100}, "description": "Default 20."},
        {"name": "search", "schema": Params.TEXT},
    ]
    if statuses:
        params.append({"name": "status", "schema": {"type": "string", "enum": list(statuses)}})
    params += [{"name": name, "schema": schema} for name, schema in filters.items()]
    return params


def _fill() -> None:
    for path, model, name, create, update, resource, filters, actions in _AREAS:
        env, one = _envelopes(name, model), f"{path}/:id"
        statuses: tuple[str, ...] = resource.statuses if resource is not None else ()
        RESPONSES[("GET", path)] = (200, env["page"])
        RESPONSES[("POST", path)] = (201, env["saved"])
        RESPONSES[("GET", one)] = (200, env["one"])
        RESPONSES[("PUT", one)] = RESPONSES[("PATCH", one)] = (200, env["saved"])
        RESPONSES[("DELETE", one)] = (200, Deleted)
        QUERY[("GET", path)] = _list_params(statuses, filters)
        if create is not None:
            REQUESTS[("POST", path)] = create
        REQUESTS[("PUT", one)] = REQUESTS[("PATCH", one)] = update
        for suffix, body in actions.items():
            key = ("PUT", f"{one}/{suffix}")
            RESPONSES[key] = (200, env["saved"] if resource is None else env["one"])
            if body is not None:
                REQUESTS[key] = body
        if resource is None:  # documents: uploads answer like a create
            RESPONSES[("POST", f"{one}/versions")] = (201, env["saved"])
    RESPONSES[("GET", "/api/documents/:id/download")] = (200, FileContent)
    stats = ("GET", "/api/time-entries/summary/stats")
    RESPONSES[stats] = (200, TimeEntrySummaryOut)
    QUERY[stats] = [p for p in _list_params(time_entries.TIME_ENTRY.statuses, _TIME_FILTERS) if p["name"] == "status"]
    QUERY[stats] += [{"name": name, "schema": schema} for name, schema in _TIME_FILTERS.items()]


_fill()

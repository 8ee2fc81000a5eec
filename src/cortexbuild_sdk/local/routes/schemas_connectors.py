"""OpenAPI entries of the connector routes (issue 11's extensions): merged into ``schemas.RESPONSES``,
``REQUESTS`` and ``QUERY`` at the end of ``schemas.py``, kept apart so the construction routes' entries and
these grow without touching each other."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ...types.integration import Integration
from ...types.integration_sync import ActionResult, AutomationRun, ProviderRecord, ProviderRequestLog, SyncRun
from .connectors import IntegrationUpdate
from .schemas import Envelope, Page, QueryParam, _page

__all__ = ["QUERY", "REQUESTS", "RESPONSES"]


class SyncStarted(Envelope):
    """The run, queued: poll GET /api/integrations/:id/sync-runs/:run_id until it ends."""

    message: str
    run: SyncRun


class SyncRunOut(Envelope):
    run: SyncRun


class SyncRunList(Page):
    runs: list[SyncRun]


class RequestLogList(Page):
    requests: list[ProviderRequestLog]


class RecordList(Page):
    records: list[ProviderRecord]


class AutomationRunList(Page):
    automation_runs: list[AutomationRun]


class ActionOut(Envelope):
    """What the provider answered (``sent: false`` when a sandbox with integrations disabled logged it)."""

    action: str
    sent: bool
    result: dict[str, Any] | None = None
    message: str | None = None
    request_id: int | None = None


class ActionBody(BaseModel):
    params: dict[str, Any] = Field(default_factory=dict, description="The action's parameters.")


class IntegrationOut(Envelope):
    integration: Integration


assert set(ActionOut.model_fields) - {"success"} == set(ActionResult.model_fields)

_P = "/api/integrations/:id"

RESPONSES: dict[tuple[str, str], tuple[int, type[BaseModel]]] = {
    ("POST", f"{_P}/sync"): (200, SyncStarted),
    ("GET", f"{_P}/requests"): (200, RequestLogList),
    ("GET", f"{_P}/sync-runs"): (200, SyncRunList),
    ("GET", f"{_P}/sync-runs/:run_id"): (200, SyncRunOut),
    ("GET", f"{_P}/records"): (200, RecordList),
    ("POST", f"{_P}/test"): (200, ActionOut),
    ("POST", f"{_P}/actions/:action"): (200, ActionOut),
    ("PATCH", _P): (200, IntegrationOut),
    ("GET", f"{_P}/automation-runs"): (200, AutomationRunList),
}

REQUESTS: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", f"{_P}/actions/:action"): ActionBody,
    ("PATCH", _P): IntegrationUpdate,
}

_KIND = QueryParam.model_validate(
    {"name": "kind", "schema": {"type": "string", "maxLength": 50}, "description": "e.g. expense"}
)
QUERY: dict[tuple[str, str], list[QueryParam]] = {
    ("GET", f"{_P}/requests"): _page("Default 50."),
    ("GET", f"{_P}/sync-runs"): _page("Default 50."),
    ("GET", f"{_P}/records"): [*_page("Default 50."), _KIND],
    ("GET", f"{_P}/automation-runs"): _page("Default 50."),
}

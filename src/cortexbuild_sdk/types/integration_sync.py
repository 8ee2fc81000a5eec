"""Connector results: sync runs, the provider request log, action results and pulled provider records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .._models import BaseModel, JsonObject, LooseDate, Timestamp

__all__ = [
    "ActionResult",
    "AutomationAttempt",
    "AutomationRun",
    "Expense",
    "ExpenseLine",
    "ProviderRecord",
    "ProviderRequestLog",
    "SyncCounts",
    "SyncRun",
    "SyncRunStatus",
]

SyncRunStatus = Literal["queued", "running", "success", "error"] | str
"""One of the four documented states; an unknown state from a newer server is kept as its string."""


class SyncCounts(BaseModel):
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0


class SyncRun(BaseModel):
    """One sync of an integration: queued, running, then ``success`` or ``error`` (with ``error`` saying why)."""

    id: int
    integration_id: int
    provider: str | None = None
    status: SyncRunStatus
    queued_at: Timestamp | None = None
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    counts: SyncCounts = Field(default_factory=SyncCounts)
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("success", "error")


class ProviderRequestLog(BaseModel):
    """One request a connector made (``sent`` False: logged in a sandbox with integrations disabled).
    Bodies have credential fields redacted; headers are never logged."""

    id: int
    integration_id: int
    provider: str
    method: str
    url: str
    status: int | None = None
    duration_ms: int = 0
    sent: bool = True
    error: str | None = None
    request_body: str | None = None
    response_body: str | None = None
    created_at: Timestamp | None = None


class ActionResult(BaseModel):
    """What ``POST /api/integrations/:id/actions/<action>`` (and ``/test``) answered. ``sent`` False means
    the request was logged but not sent (sandbox with integrations disabled) and ``result`` is None."""

    action: str
    sent: bool
    result: JsonObject | None = None
    message: str | None = None
    request_id: int | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return (self.result or {}).get(key, default)


class ProviderRecord(BaseModel):
    """A record pulled from a provider and kept on the integration (e.g. ``kind`` "expense": a QuickBooks
    Purchase with ``data`` {id, txn_date, total, currency, payment_type, account, vendor, memo, lines})."""

    id: int
    integration_id: int
    kind: str
    remote_id: str
    data: JsonObject = Field(default_factory=dict)
    updated_at: Timestamp | None = None


class ExpenseLine(BaseModel):
    amount: float | None = None
    description: str | None = None


class Expense(BaseModel):
    """A QuickBooks ``Purchase`` pulled by a sync (money in currency units, as the wire renders money)."""

    id: str
    txn_date: LooseDate | None = None
    total: float | None = None
    currency: str | None = None
    payment_type: str | None = None
    account: str | None = None
    vendor: str | None = None
    memo: str | None = None
    lines: list[ExpenseLine] = Field(default_factory=list)
    updated: str | None = None
    """QuickBooks' ``MetaData.LastUpdatedTime`` as sent."""


class AutomationAttempt(BaseModel):
    attempt: int
    outcome: str  # success | not_sent | retry | failed
    error: str | None = None
    duration_ms: int = 0
    created_at: Timestamp | None = None


class AutomationRun(BaseModel):
    """One event handled by one of an integration's automations: ``status`` pending (``next_at`` is the next
    attempt), running, done or failed, with every attempt."""

    id: int
    integration_id: int
    event_id: str
    event: str
    action: str
    params: JsonObject = Field(default_factory=dict)
    status: str
    attempts: list[AutomationAttempt] = Field(default_factory=list)
    next_at: Timestamp | None = None
    error: str | None = None
    result: JsonObject | None = None
    created_at: Timestamp | None = None

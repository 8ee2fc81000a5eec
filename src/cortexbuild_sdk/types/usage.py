from __future__ import annotations

from pydantic import Field

from .._models import BaseModel, JsonObject, LooseDate, Timestamp

__all__ = ["AIRequest", "AIUsageDay", "IntegrationUsage", "WebhookUsage"]


class AIUsageDay(BaseModel):
    date: LooseDate
    requests: int = 0
    tokens: int = 0
    cost: float = 0.0


class AIRequest(BaseModel):
    """One recorded AI request."""

    id: int
    user_id: str | None = None
    company_id: str | None = None
    provider: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int = 0
    estimated_cost: float = 0.0
    metadata: JsonObject = Field(default_factory=dict)
    created_at: Timestamp | None = None


class IntegrationUsage(BaseModel):
    """One provider's row of the platform's integration report."""

    provider: str
    syncs: int = 0
    """The platform's report counts *integrations* of this provider under this name (``COUNT(*)`` over the
    integrations table); it is kept as sent. See ``sync_runs`` for syncs actually run."""
    last_sync: Timestamp | None = None
    success_rate: float | None = None
    """Share of this provider's integrations whose last sync succeeded (0-1)."""
    sync_runs: int | None = None
    """Sync runs recorded for this provider (sent by the local backend; None from servers without it)."""


class WebhookUsage(BaseModel):
    name: str
    success_count: int = 0
    failure_count: int = 0
    success_rate: float | None = None

from __future__ import annotations

from .._models import BaseModel, LooseDate, Timestamp

__all__ = ["AIRequest", "AIUsageDay", "IntegrationUsage", "WebhookUsage"]


class AIUsageDay(BaseModel):
    date: LooseDate
    requests: int = 0
    tokens: int = 0
    cost: float = 0.0


class AIRequest(BaseModel):
    """One recorded AI request."""

    id: int
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int = 0
    estimated_cost: float = 0.0
    created_at: Timestamp | None = None


class IntegrationUsage(BaseModel):
    provider: str
    syncs: int = 0
    last_sync: Timestamp | None = None
    success_rate: float | None = None


class WebhookUsage(BaseModel):
    name: str
    success_count: int = 0
    failure_count: int = 0
    success_rate: float | None = None

from __future__ import annotations

from pydantic import Field

from .._models import BaseModel, JsonList, JsonValue, Timestamp

__all__ = ["Webhook", "WebhookLog", "WebhookTestResult"]


class Webhook(BaseModel):
    id: int
    user_id: str | None = None
    company_id: str | None = None
    name: str
    url: str
    events: JsonList = Field(default_factory=list)
    secret: str | None = Field(default=None, repr=False)
    """Present on create and rotate; fetch it later with ``webhooks.secret(id)``."""
    is_active: bool = True
    success_count: int = 0
    failure_count: int = 0
    consecutive_failures: int = 0
    """Failed deliveries since the last success; the endpoint is disabled when this reaches the limit."""
    last_triggered_at: Timestamp | None = None
    disabled_reason: str | None = None
    """Why the endpoint was disabled (e.g. consecutive failures, or 410 Gone), when it was."""
    disabled_at: Timestamp | None = None
    rate_limit_per_second: float | None = None
    """Deliveries per second this endpoint accepts (an extension of the local backend; None = no cap)."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class WebhookLog(BaseModel):
    """One delivery attempt."""

    id: int
    webhook_id: int
    event_type: str
    payload: JsonValue = None
    response_status: int | None = None
    response_body: str | None = None
    error_message: str | None = None
    delivered_at: Timestamp | None = None
    attempt: int | None = None
    delivery_id: str | None = None
    duration_ms: int | None = None
    event_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class WebhookTestResult(BaseModel):
    delivered: bool
    error: str | None = None

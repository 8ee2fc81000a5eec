"""``client.usage``: AI request records and the delivery and integration reports."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, RequestSpec, endpoint, unwrap, unwrap_list
from .._types import RequestOptions
from ..types.usage import AIRequest, AIUsageDay, IntegrationUsage, WebhookUsage

__all__ = ["Usage"]

_BASE = "/api/sdk/usage"


class Usage(APIResource[ClientT]):
    @endpoint
    def ai(self, *, days: int | None = None, **options: Unpack[RequestOptions]) -> RequestSpec[list[AIUsageDay]]:
        """AI requests per day (newest first): requests, tokens and cost."""
        query = {"days": days}
        return RequestSpec("GET", f"{_BASE}/ai", unwrap_list("usage", AIUsageDay), query=query, options=options)

    @endpoint
    def record_ai_request(
        self,
        *,
        model: str,
        total_tokens: int,
        estimated_cost: float,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[AIRequest]:
        """Record one AI request; it counts against the tier's monthly limit."""
        body: dict[str, Any] = {
            "model": model,
            "total_tokens": total_tokens,
            "estimated_cost": estimated_cost,
        }
        if prompt_tokens is not None:
            body["prompt_tokens"] = prompt_tokens
        if completion_tokens is not None:
            body["completion_tokens"] = completion_tokens
        return RequestSpec("POST", f"{_BASE}/ai", unwrap("request", AIRequest), body=body, options=options)

    @endpoint
    def integrations(self, **options: Unpack[RequestOptions]) -> RequestSpec[list[IntegrationUsage]]:
        """Per provider: syncs, last sync and success rate."""
        parse = unwrap_list("usage", IntegrationUsage)
        return RequestSpec("GET", f"{_BASE}/integrations", parse, options=options)

    @endpoint
    def webhooks(self, **options: Unpack[RequestOptions]) -> RequestSpec[list[WebhookUsage]]:
        """Per webhook: successes, failures and success rate."""
        return RequestSpec("GET", f"{_BASE}/webhooks", unwrap_list("usage", WebhookUsage), options=options)

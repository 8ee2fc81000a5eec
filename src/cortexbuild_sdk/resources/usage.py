"""``client.usage``: AI request records and the delivery and integration reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, RequestSpec, compact, endpoint, unwrap, unwrap_list
from .._types import NOT_GIVEN, NotGiven, RequestOptions
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
        provider: str | NotGiven = NOT_GIVEN,
        prompt_tokens: int | NotGiven = NOT_GIVEN,
        completion_tokens: int | NotGiven = NOT_GIVEN,
        total_tokens: int | NotGiven = NOT_GIVEN,
        estimated_cost: float | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[AIRequest]:
        """Record one AI request; it counts against the tier's monthly limit.

        Only ``model`` is required. Token counts default to 0 and ``total_tokens`` to their sum;
        ``estimated_cost`` (in dollars) to 0. ``provider`` (e.g. ``"openai"``) and ``metadata`` (any JSON
        object) are stored with the record."""
        body = compact(
            model=model,
            provider=provider,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            estimated_cost=estimated_cost,
            metadata=metadata if isinstance(metadata, NotGiven) else dict(metadata),
        )
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

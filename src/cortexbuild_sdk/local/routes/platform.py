"""/api/sdk/plan, /api/sdk/usage/* and /api/sdk/marketplace/* routes."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import marketplace, plans, usage
from .bodies import AIRequest, Review, int_param, parse


def plan(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"plan": plans.plan(call.ctx)}


def ai_usage(call: Call) -> tuple[int, dict[str, Any]]:
    days = int_param(call.query, "days", 30, 1, 3660)
    return 200, {"usage": usage.ai_report(call.ctx, days)}


def record_ai(call: Call) -> tuple[int, dict[str, Any]]:
    record = parse(AIRequest, call.body).model_dump()
    return 201, {"request": usage.record_ai_request(call.ctx, record)}


def integration_usage(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"usage": usage.integrations_report(call.ctx)}


def webhook_usage(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"usage": usage.webhooks_report(call.ctx)}


def modules(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"modules": marketplace.list_modules(call.ctx)}


def reviews(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, marketplace.reviews(call.ctx, call.params["id"])


def add_review(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(Review, call.body)
    return 201, {"review": marketplace.add_review(call.ctx, call.params["id"], rating=b.rating, review=b.review)}


_UR, _UW, _MR, _MW = "usage:read", "usage:write", "marketplace:read", "marketplace:write"
ROUTES = (
    Route("GET", "/api/sdk/plan", plan, _UR, "usage"),
    Route("GET", "/api/sdk/usage/ai", ai_usage, _UR, "usage"),
    Route("POST", "/api/sdk/usage/ai", record_ai, _UW, "usage", takes_body=True),
    Route("GET", "/api/sdk/usage/integrations", integration_usage, _UR, "usage"),
    Route("GET", "/api/sdk/usage/webhooks", webhook_usage, _UR, "usage"),
    Route("GET", "/api/sdk/marketplace/modules", modules, _MR, "marketplace"),
    Route("GET", "/api/sdk/marketplace/modules/:id/reviews", reviews, _MR, "marketplace"),
    Route("POST", "/api/sdk/marketplace/modules/:id/reviews", add_review, _MW, "marketplace", takes_body=True),
)

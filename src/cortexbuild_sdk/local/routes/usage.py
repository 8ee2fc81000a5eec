"""/api/sdk/usage/* routes: AI request records and the integration and webhook reports."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import usage
from .bodies import AIRequest, int_param, parse


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


_R, _W, _G = "usage:read", "usage:write", "usage"
ROUTES = (
    Route("GET", "/api/sdk/usage/ai", ai_usage, scope=_R, group=_G),
    Route("POST", "/api/sdk/usage/ai", record_ai, scope=_W, group=_G, takes_body=True),
    Route("GET", "/api/sdk/usage/integrations", integration_usage, scope=_R, group=_G),
    Route("GET", "/api/sdk/usage/webhooks", webhook_usage, scope=_R, group=_G),
)

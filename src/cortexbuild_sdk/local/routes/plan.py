"""/api/sdk/plan: the account's tier, its limits and the usage counted against them."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import plans


def plan(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"plan": plans.plan(call.ctx)}


ROUTES = (Route("GET", "/api/sdk/plan", plan, scope="usage:read", group="usage"),)

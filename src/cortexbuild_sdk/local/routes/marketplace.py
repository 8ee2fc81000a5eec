"""/api/sdk/marketplace/* routes: the module catalogue and its reviews."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import marketplace
from .bodies import Review, parse


def modules(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"modules": marketplace.list_modules(call.ctx)}


def reviews(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, marketplace.reviews(call.ctx, call.params["id"])


def add_review(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(Review, call.body)
    return 201, {"review": marketplace.add_review(call.ctx, call.params["id"], rating=b.rating, review=b.review)}


_R, _W, _G = "marketplace:read", "marketplace:write", "marketplace"
_P = "/api/sdk/marketplace/modules"
ROUTES = (
    Route("GET", _P, modules, scope=_R, group=_G),
    Route("GET", f"{_P}/:id/reviews", reviews, scope=_R, group=_G),
    Route("POST", f"{_P}/:id/reviews", add_review, scope=_W, group=_G, takes_body=True),
)

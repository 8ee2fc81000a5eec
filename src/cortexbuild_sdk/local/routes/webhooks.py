"""/api/integrations/webhooks routes (the delivery routes ``test``, ``logs/:log_id/retry`` and ``recover`` are in
``deliveries.py``)."""

from __future__ import annotations

from typing import Any

from ..._events import EVENT_TYPES
from ..destinations import check_destination, delivery_policy
from ..routing import Call, Route
from ..services import webhooks
from .bodies import WebhookCreate, WebhookUpdate, changes, encode_cursor, parse, parse_page

_LOGS_DEFAULT_LIMIT = 50


def create(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(WebhookCreate, call.body)
    check_destination(b.url, delivery_policy(call.ctx.rt.db))
    hook = webhooks.create(
        call.ctx, name=b.name, url=b.url, events=b.events, rate_limit_per_second=b.rate_limit_per_second
    )
    return 201, {"webhook": hook}


def list_(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = webhooks.list_webhooks(call.ctx, parse_page(call.query))
    return 200, {"webhooks": items, "next_cursor": encode_cursor(nxt)}


def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"webhook": webhooks.retrieve(call.ctx, call.params["id"])}


def update(call: Call) -> tuple[int, dict[str, Any]]:
    fields = changes(parse(WebhookUpdate, call.body), nullable=("rate_limit_per_second",))
    if "url" in fields:
        check_destination(fields["url"], delivery_policy(call.ctx.rt.db))
    return 200, {"webhook": webhooks.update(call.ctx, call.params["id"], fields)}


def delete(call: Call) -> tuple[int, dict[str, Any]]:
    webhooks.delete(call.ctx, call.params["id"])
    return 200, {}


def secret(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"secret": webhooks.get_secret(call.ctx, call.params["id"])}


def rotate(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"webhook": webhooks.rotate_secret(call.ctx, call.params["id"])}


def logs(call: Call) -> tuple[int, dict[str, Any]]:
    page = parse_page(call.query, default_limit=_LOGS_DEFAULT_LIMIT)
    items, nxt = webhooks.logs(call.ctx, call.params["id"], page)
    return 200, {"logs": items, "next_cursor": encode_cursor(nxt)}


def events(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"events": list(EVENT_TYPES)}


_R, _W, _G = "webhooks:read", "webhooks:write", "webhooks"
_P = "/api/integrations/webhooks"
ROUTES = (
    Route("GET", f"{_P}/list", list_, _R, _G),
    Route("GET", f"{_P}/events/available", events, _R, _G),
    Route("POST", _P, create, _W, _G, takes_body=True),
    Route("GET", f"{_P}/:id", retrieve, _R, _G),
    Route("PATCH", f"{_P}/:id", update, _W, _G, takes_body=True),
    Route("DELETE", f"{_P}/:id", delete, _W, _G),
    Route("GET", f"{_P}/:id/secret", secret, _W, _G),  # a secret is write-level: it lets you forge deliveries
    Route("POST", f"{_P}/:id/rotate-secret", rotate, _W, _G),
    Route("GET", f"{_P}/:id/logs", logs, _R, _G),
)

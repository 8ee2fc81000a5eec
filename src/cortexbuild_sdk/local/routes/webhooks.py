"""/api/integrations/webhooks routes: CRUD, secrets, logs, and the delivery operations (test send, retry of
one log entry, recover) that run on the delivery engine."""

from __future__ import annotations

from typing import Any

from ..._events import EVENT_TYPES
from ..destinations import check_destination, delivery_policy
from ..routing import Call, Route
from ..services import webhooks
from .bodies import WebhookCreate, WebhookUpdate, changes, encode_cursor, parse, parse_page
from .times import parse_instant

_LOGS_DEFAULT_LIMIT = 50


def create(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(WebhookCreate, call.body)
    check_destination(b.url, delivery_policy(call.ctx.rt))
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
        check_destination(fields["url"], delivery_policy(call.ctx.rt))
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


def test(call: Call) -> tuple[int, dict[str, Any]]:
    delivered, error = webhooks.send_test(call.ctx, call.params["id"])
    return 200, {"delivered": delivered, "error": error}


def retry(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"log": webhooks.retry_log(call.ctx, call.params["id"], call.params["log_id"])}


def recover(call: Call) -> tuple[int, dict[str, Any]]:
    since = parse_instant(call.body.get("since") if isinstance(call.body, dict) else None, "since")
    return 200, {"requeued": webhooks.recover(call.ctx, call.params["id"], since)}


_R, _W, _G = "webhooks:read", "webhooks:write", "webhooks"
_P = "/api/integrations/webhooks"
ROUTES = (
    Route("GET", f"{_P}/list", list_, scope=_R, group=_G),
    Route("GET", f"{_P}/events/available", events, scope=_R, group=_G),
    Route("POST", _P, create, scope=_W, group=_G, takes_body=True),
    Route("GET", f"{_P}/:id", retrieve, scope=_R, group=_G),
    Route("PATCH", f"{_P}/:id", update, scope=_W, group=_G, takes_body=True),
    Route("DELETE", f"{_P}/:id", delete, scope=_W, group=_G),
    Route(
        "GET", f"{_P}/:id/secret", secret, scope=_W, group=_G
    ),  # a secret is write-level: it lets you forge deliveries
    Route("POST", f"{_P}/:id/rotate-secret", rotate, scope=_W, group=_G),
    Route("GET", f"{_P}/:id/logs", logs, scope=_R, group=_G),
    Route("POST", f"{_P}/:id/test", test, scope=_W, group=_G),
    Route("POST", f"{_P}/:id/logs/:log_id/retry", retry, scope=_W, group=_G),
    Route("POST", f"{_P}/:id/recover", recover, scope=_W, group=_G, takes_body=True),
)

"""/api/sdk/sandboxes routes."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import sandboxes
from .bodies import SandboxCreate, SandboxUpdate, changes, encode_cursor, parse, parse_page


def create(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(SandboxCreate, call.body)
    config = b.config.flags() if b.config is not None else {}
    sandbox, secret = sandboxes.create(call.ctx, name=b.name, description=b.description, config=config)
    return 201, {"sandbox": sandbox, "secret": secret}


def list_(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = sandboxes.list_sandboxes(call.ctx, parse_page(call.query))
    return 200, {"sandboxes": items, "next_cursor": encode_cursor(nxt)}


def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"sandbox": sandboxes.retrieve(call.ctx, call.params["id"])}


def update(call: Call) -> tuple[int, dict[str, Any]]:
    fields = changes(parse(SandboxUpdate, call.body), nullable=("description",))
    if "config" in fields:
        fields["config"] = fields["config"].flags()
    return 200, {"sandbox": sandboxes.update(call.ctx, call.params["id"], fields)}


def delete(call: Call) -> tuple[int, dict[str, Any]]:
    sandboxes.delete(call.ctx, call.params["id"])
    return 200, {}


def reset(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"sandbox": sandboxes.reset(call.ctx, call.params["id"])}


_R, _W, _G = "sandboxes:read", "sandboxes:write", "sandboxes"
_P = "/api/sdk/sandboxes"
ROUTES = (
    Route("GET", _P, list_, scope=_R, group=_G, live_only=True),
    Route("POST", _P, create, scope=_W, group=_G, live_only=True, takes_body=True),
    Route("GET", f"{_P}/:id", retrieve, scope=_R, group=_G, live_only=True),
    Route("PATCH", f"{_P}/:id", update, scope=_W, group=_G, live_only=True, takes_body=True),
    Route("DELETE", f"{_P}/:id", delete, scope=_W, group=_G, live_only=True),
    Route("POST", f"{_P}/:id/reset", reset, scope=_W, group=_G, live_only=True),
)

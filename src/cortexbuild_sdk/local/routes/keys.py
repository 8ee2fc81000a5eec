"""/api/sdk/keys routes."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import keys
from .bodies import KeyCreate, KeyUpdate, changes, encode_cursor, parse, parse_page, parse_time


def create(call: Call) -> tuple[int, dict[str, Any]]:
    body = parse(KeyCreate, call.body)
    expires = parse_time(body.expires_at, "expires_at", call.ctx.now_ms())
    key, secret = keys.create(call.ctx, name=body.name, scopes=body.scopes, expires_at=expires)
    return 201, {"key": key, "secret": secret}


def list_(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = keys.list_keys(call.ctx, parse_page(call.query))
    return 200, {"keys": items, "next_cursor": encode_cursor(nxt)}


def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"key": keys.retrieve(call.ctx, call.params["id"])}


def update(call: Call) -> tuple[int, dict[str, Any]]:
    fields = changes(parse(KeyUpdate, call.body), nullable=("expires_at",))
    if "expires_at" in fields:
        fields["expires_at"] = parse_time(fields["expires_at"], "expires_at", call.ctx.now_ms())
    return 200, {"key": keys.update(call.ctx, call.params["id"], fields)}


def revoke(call: Call) -> tuple[int, dict[str, Any]]:
    keys.revoke(call.ctx, call.params["id"])
    return 200, {}


def roll(call: Call) -> tuple[int, dict[str, Any]]:
    key, secret = keys.roll(call.ctx, call.params["id"])
    return 200, {"key": key, "secret": secret}


_R, _W = "keys:read", "keys:write"
ROUTES = (
    Route("GET", "/api/sdk/keys", list_, scope=_R, group="keys", live_only=True),
    Route("POST", "/api/sdk/keys", create, scope=_W, group="keys", live_only=True, takes_body=True),
    Route("GET", "/api/sdk/keys/:id", retrieve, scope=_R, group="keys", live_only=True),
    Route("PATCH", "/api/sdk/keys/:id", update, scope=_W, group="keys", live_only=True, takes_body=True),
    Route("POST", "/api/sdk/keys/:id/revoke", revoke, scope=_W, group="keys", live_only=True),
    Route("POST", "/api/sdk/keys/:id/roll", roll, scope=_W, group="keys", live_only=True),
)

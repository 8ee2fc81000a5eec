"""/api/integrations routes, OAuth included."""

from __future__ import annotations

from typing import Any

from .. import providers
from ..http import validation
from ..routing import Call, Route
from ..services import integrations, oauth_flow, sync_runs
from .bodies import IntegrationCreate, IntegrationStatus, OAuthCallback, check_url, encode_cursor, parse, parse_page


def create(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(IntegrationCreate, call.body)
    item = integrations.create(call.ctx, provider=b.provider, name=b.name, credentials=b.credentials, config=b.config)
    return 201, {"integration": item}


def list_(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = integrations.list_integrations(call.ctx, parse_page(call.query))
    return 200, {"integrations": items, "next_cursor": encode_cursor(nxt)}


def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"integration": integrations.retrieve(call.ctx, call.params["id"])}


def status(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(IntegrationStatus, call.body)
    return 200, {"integration": integrations.set_status(call.ctx, call.params["id"], b.is_active)}


def sync(call: Call) -> tuple[int, dict[str, Any]]:
    run = sync_runs.start(call.ctx, call.params["id"])
    return 200, {"message": "Sync started", "run": run}


def delete(call: Call) -> tuple[int, dict[str, Any]]:
    integrations.delete(call.ctx, call.params["id"])
    return 200, {}


def available(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"providers": providers.available()}


def authorize(call: Call) -> tuple[int, dict[str, Any]]:
    redirect_uri = call.query.get("redirect_uri")
    if not redirect_uri:
        raise validation("query parameter redirect_uri is required")
    try:
        check_url(redirect_uri)
    except ValueError as exc:
        raise validation(f"redirect_uri {exc}") from None
    name = call.query.get("name") or None
    if name is not None and len(name) > 200:
        raise validation("name must be at most 200 characters")
    reconnect = call.query.get("integration_id")
    ascii_int = reconnect is not None and reconnect.isascii() and reconnect.isdigit() and len(reconnect) <= 19
    if reconnect is not None and (not ascii_int or not 0 < int(reconnect) < 2**63):
        raise validation("integration_id must be a positive integer")
    return 200, oauth_flow.authorize(
        call.ctx,
        call.params["provider"],
        redirect_uri=redirect_uri,
        name=name,
        integration_id=int(reconnect) if reconnect is not None else None,
    )


def callback(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(OAuthCallback, call.body)
    extra = {"realmId": b.realmId} if b.realmId else {}
    item = oauth_flow.callback(call.ctx, call.params["provider"], code=b.code, state=b.state, extra=extra)
    return 201, {"integration": item}


def refresh(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"expires_at": oauth_flow.refresh(call.ctx, call.params["id"])}


_R, _W, _G = "integrations:read", "integrations:write", "integrations"
_P = "/api/integrations"


def _route(method: str, path: str, handler: Any, *, scope: str, body: bool = False) -> Route:
    return Route(method, path, handler, scope=scope, group=_G, integrations=True, takes_body=body)


ROUTES = (
    _route("GET", f"{_P}/list", list_, scope=_R),
    _route("GET", f"{_P}/providers/available", available, scope=_R),
    _route("POST", _P, create, scope=_W, body=True),
    _route("GET", f"{_P}/:id", retrieve, scope=_R),
    _route("PATCH", f"{_P}/:id/status", status, scope=_W, body=True),
    _route("POST", f"{_P}/:id/sync", sync, scope=_W),
    _route("DELETE", f"{_P}/:id", delete, scope=_W),
    _route("GET", f"{_P}/oauth/:provider/authorize", authorize, scope=_W),
    _route("POST", f"{_P}/oauth/:provider/callback", callback, scope=_W, body=True),
    _route("POST", f"{_P}/:id/oauth/refresh", refresh, scope=_W),
)

"""Connector routes (extensions): provider request log, sync runs, connection test, actions, pulled records."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import automations, connector_actions, provider_requests, sync_runs
from .bodies import Body, Name, encode_cursor, parse, parse_page


class IntegrationUpdate(Body):
    name: Name | None = None
    config: dict[str, Any] | None = None


def update(call: Call) -> tuple[int, dict[str, Any]]:
    b = parse(IntegrationUpdate, call.body)
    item = automations.update_integration(call.ctx, call.params["id"], name=b.name, config=b.config)
    return 200, {"integration": item}


def automation_runs(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = automations.list_jobs(call.ctx, call.params["id"], parse_page(call.query, default_limit=50))
    return 200, {"automation_runs": items, "next_cursor": encode_cursor(nxt)}


def requests(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = provider_requests.list_requests(call.ctx, call.params["id"], parse_page(call.query, default_limit=50))
    return 200, {"requests": items, "next_cursor": encode_cursor(nxt)}


def runs(call: Call) -> tuple[int, dict[str, Any]]:
    items, nxt = sync_runs.list_runs(call.ctx, call.params["id"], parse_page(call.query, default_limit=50))
    return 200, {"runs": items, "next_cursor": encode_cursor(nxt)}


def run(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"run": sync_runs.retrieve(call.ctx, call.params["id"], call.params["run_id"])}


def test(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, connector_actions.test_connection(call.ctx, call.params["id"])


def action(call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body or {}
    params = body.get("params", {}) if isinstance(body, dict) else {}
    return 200, connector_actions.run_action(call.ctx, call.params["id"], call.params["action"], params)


def records(call: Call) -> tuple[int, dict[str, Any]]:
    kind = call.query.get("kind") or None
    items, nxt = connector_actions.list_records(
        call.ctx, call.params["id"], kind, parse_page(call.query, default_limit=50)
    )
    return 200, {"records": items, "next_cursor": encode_cursor(nxt)}


_R, _W, _G = "integrations:read", "integrations:write", "integrations"
_P = "/api/integrations/:id"

ROUTES = (
    Route("GET", f"{_P}/requests", requests, scope=_R, group=_G),
    Route("GET", f"{_P}/sync-runs", runs, scope=_R, group=_G),
    Route("GET", f"{_P}/sync-runs/:run_id", run, scope=_R, group=_G),
    Route("GET", f"{_P}/records", records, scope=_R, group=_G),
    Route("POST", f"{_P}/test", test, scope=_W, group=_G),
    Route("POST", f"{_P}/actions/:action", action, scope=_W, group=_G, takes_body=True),
    Route("PATCH", _P, update, scope=_W, group=_G, takes_body=True),
    Route("GET", f"{_P}/automation-runs", automation_runs, scope=_R, group=_G),
)

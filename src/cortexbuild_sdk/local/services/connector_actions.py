"""Connector actions and connection tests, run in the request (they are single provider calls or small
batches): ``POST /api/integrations/:id/actions/<action>`` and ``POST /api/integrations/:id/test``."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from ..connectors import CONNECTORS
from ..connectors.base import NotSent
from ..errors import Invalid, NotFound
from ..http import iso
from .common import Page, paginate
from .connections import open_session
from .context import Ctx
from .integrations import _get

__all__ = ["catalogue", "list_records", "run_action", "test_connection"]


def catalogue(provider: str) -> list[dict[str, Any]]:
    connector = CONNECTORS.get(provider)
    if connector is None:
        return []
    return [
        {"name": a.name, "description": a.description, "params": a.params.model_json_schema()}
        for a in connector.actions.values()
    ]


def _not_sent(exc: NotSent) -> dict[str, Any]:
    return {
        "sent": False,
        "result": None,
        "request_id": exc.log_id,
        "message": "integrations are disabled in this sandbox: the request was logged, not sent",
    }


def run_action(ctx: Ctx, integration_id: int, name: str, params: Any) -> dict[str, Any]:
    session = open_session(ctx, integration_id)
    action = session.connector.actions.get(name)
    if action is None:
        raise NotFound(
            "action",
            name,
            message=f"{session.provider} has no action {name!r}; available: {', '.join(session.connector.actions)}",
        )
    try:
        parsed = action.params.model_validate(params if params is not None else {})
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "params", "message": e["msg"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise Invalid(
            f"invalid params for {session.provider}.{name}: {details[0]['field']}: {details[0]['message']}",
            details=details,
        ) from None
    try:
        result = action.run(session, parsed)
    except NotSent as exc:
        return {"action": f"{session.provider}.{name}", **_not_sent(exc)}
    return {"action": f"{session.provider}.{name}", "sent": True, "result": result}


def test_connection(ctx: Ctx, integration_id: int) -> dict[str, Any]:
    session = open_session(ctx, integration_id)
    try:
        return {"action": f"{session.provider}.test", "sent": True, "result": session.connector.test(session)}
    except NotSent as exc:
        return {"action": f"{session.provider}.test", **_not_sent(exc)}


def list_records(
    ctx: Ctx, integration_id: int, kind: str | None, page: Page
) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, integration_id)
        sql = "SELECT * FROM provider_records WHERE integration_id = ?"
        args: list[Any] = [integration_id]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        rows, nxt = paginate(conn, sql, args, page)
    return [
        {
            "id": r["id"],
            "integration_id": r["integration_id"],
            "kind": r["kind"],
            "remote_id": r["remote_id"],
            "data": json.loads(r["data"]),
            "updated_at": iso(r["updated_at"]),
        }
        for r in rows
    ], nxt

"""Automations: an integration's ``config.automations`` subscribes catalogue events to its connector's actions.

``[{"event": "rfi.created", "action": "slack.send_message", "params": {"channel": "#rfis"}}, ...]`` is
validated when the integration is created or updated (known event, an action of *this* provider, params the
action accepts). When a service publishes an event (``events.publish``, inside the change's transaction) one
job per matching automation is written in that same transaction; after the commit (``events.announce``) the
backend's connector worker runs the due jobs: each attempt is logged, provider failures are retried with
backoff, bad input fails at once. An action's id fields (``invoice_id``, ``document_id``, ``rfi_id``...)
are filled from the event's object; Slack messages default to the seed's notification text and Zapier
forwards the event itself.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ..._events import EVENT_TYPES
from ..connectors import CONNECTORS
from ..connectors.base import NotSent
from ..connectors.slack import event_text
from ..errors import DomainError, Invalid, Unavailable, UpstreamFailed
from ..http import iso
from .common import Page, dumps, paginate
from .context import Ctx
from .integrations import _get

__all__ = ["MAX_ATTEMPTS", "SUBSCRIBED_SQL", "enqueue", "kick", "list_jobs", "normalize", "update_integration"]

MAX_ATTEMPTS = 5
SUBSCRIBED_SQL = (
    # automation_subscriptions (kept by triggers on integrations) names the integrations whose rules name the
    # event: O(subscribers), not O(the account's integrations).
    "SELECT i.id, i.provider, i.config FROM automation_subscriptions s JOIN integrations i ON i.id = s.integration_id"
    " WHERE s.account_id = ? AND s.event = ? AND i.is_active = 1 AND i.auth_error IS NULL"
)
STALE_MS = 10 * 60 * 1000


class _Pending(threading.local):
    count = 0


_pending = _Pending()  # jobs enqueued by this thread's transaction, not yet kicked: announce stays free otherwise
_ID_FIELDS = ("invoice_id", "document_id", "rfi_id", "task_id", "client_id", "project_id")


def _derived(event: str, data: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    """What the event supplies to an action: the object's id for ``<resource>_id``, text, the event itself."""
    resource = event.split(".", 1)[0]
    obj = data.get(resource)
    out: dict[str, Any] = {}
    if f"{resource}_id" in fields and isinstance(obj, Mapping) and isinstance(obj.get("id"), int):
        out[f"{resource}_id"] = obj["id"]
    if "text" in fields:
        out["text"] = event_text(event, data)
    if "event" in fields:
        out["event"] = event
    if "data" in fields:
        out["data"] = dict(data)
    return out


def normalize(provider: str, config: Mapping[str, Any]) -> None:
    """Check ``config["automations"]`` for ``provider``; ``Invalid`` with the offending path otherwise."""
    rules = config.get("automations")
    if rules is None:
        return
    if not isinstance(rules, list) or len(rules) > 50:
        raise Invalid(
            "config.automations must be a list of at most 50 automations",
            details=[{"field": "config.automations", "message": "must be a list"}],
        )
    connector = CONNECTORS.get(provider)
    for n, rule in enumerate(rules):
        where = f"config.automations[{n}]"

        def bad(message: str, field: str = "", *, _where: str = where) -> Invalid:
            return Invalid(f"{_where}{field}: {message}", details=[{"field": _where + field, "message": message}])

        if not isinstance(rule, dict) or set(rule) - {"event", "action", "params"}:
            raise bad("must be an object with event, action and optional params")
        event, action, params = rule.get("event"), rule.get("action"), rule.get("params", {})
        if event not in EVENT_TYPES:
            raise bad(f"unknown event {event!r}; see GET /api/integrations/webhooks/events/available", ".event")
        owner, _, name = str(action).partition(".")
        if owner != provider or connector is None or name not in connector.actions:
            known = ", ".join(f"{provider}.{a}" for a in (connector.actions if connector else {}))
            raise bad(f"{action!r} is not an action of this {provider} integration; available: {known}", ".action")
        if not isinstance(params, dict):
            raise bad("must be an object", ".params")
        model = connector.actions[name].params
        filled = {**_derived(str(event), {event.split(".")[0]: {"id": 1}}, set(model.model_fields)), **params}
        try:
            model.model_validate(filled)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
            path = ".".join(str(p) for p in first["loc"])
            raise bad(f"{first['msg']} (for an {event} event)", f".params.{path}") from None


def enqueue(ctx: Ctx, conn: sqlite3.Connection, event: str, data: Mapping[str, Any], event_id: str) -> int:
    """Write one job per automation subscribed to ``event`` (inside the publishing transaction)."""
    rows = conn.execute(SUBSCRIBED_SQL, (ctx.account.id, event)).fetchall()
    now, count = ctx.now_ms(), 0
    for row in rows:
        connector = CONNECTORS.get(row["provider"])
        for rule in json.loads(row["config"]).get("automations") or []:
            if rule.get("event") != event or connector is None:
                continue
            name = str(rule["action"]).partition(".")[2]
            if name not in connector.actions:
                continue
            fields = set(connector.actions[name].params.model_fields)
            params = {**_derived(event, data, fields), **(rule.get("params") or {})}
            conn.execute(
                "INSERT INTO automation_jobs (integration_id, account_id, event_id, event, action, params, status,"
                " next_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                (row["id"], ctx.account.id, event_id, event, rule["action"], dumps(params), now, now, now),
            )
            count += 1
    _pending.count += count
    return count


def kick(ctx: Ctx, *, force: bool = False) -> None:
    """Run the caller's due jobs on the connector worker (after the publishing transaction committed); a
    no-op unless this thread enqueued jobs (or ``force``, for retries)."""
    if not force and not _pending.count:
        return
    _pending.count = 0
    runtime = ctx.rt.connectors
    if runtime is not None:
        with contextlib.suppress(RuntimeError):  # closing: the jobs stay pending for the next process
            runtime.submit(lambda: drain(ctx))


def _claim(ctx: Ctx) -> sqlite3.Row | None:
    with ctx.env.db.write() as conn:
        now = ctx.now_ms()
        # 'running' rows untouched for STALE_MS belong to a process that died mid-attempt: take them over.
        # Two index range scans on (account_id, status, next_at): due pending jobs, then the few running ones.
        # A job of an integration that is syncing waits for the sync's end (which kicks the jobs): the sync
        # links what it pulls first, so a pulled invoice or file is recognised instead of pushed back as new.
        # Each candidate's integration is read by primary key (not a list of the account's integrations).
        row = (
            conn.execute(
                "SELECT * FROM automation_jobs WHERE account_id = ? AND status = 'pending' AND next_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM integrations i WHERE i.id = automation_jobs.integration_id"
                " AND i.account_id = ? AND i.sync_status = 'syncing') ORDER BY next_at LIMIT 1",
                (ctx.account.id, now, ctx.account.id),
            ).fetchone()
            or conn.execute(
                "SELECT * FROM automation_jobs WHERE account_id = ? AND status = 'running' AND updated_at < ? LIMIT 1",
                (ctx.account.id, now - STALE_MS),
            ).fetchone()
        )
        if row is not None:
            conn.execute(
                "UPDATE automation_jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (ctx.now_ms(), row["id"]),
            )
    return row if isinstance(row, sqlite3.Row) else None


def drain(ctx: Ctx) -> None:
    from .connector_actions import run_action

    while (job := _claim(ctx)) is not None:
        attempt = job["attempts"] + 1
        started = time.perf_counter()
        outcome, error, result = "success", None, None
        try:
            answer = run_action(ctx, job["integration_id"], job["action"].partition(".")[2], json.loads(job["params"]))
            outcome = "success" if answer.get("sent") else "not_sent"
            result = answer.get("result")
        except NotSent:  # pragma: no cover - run_action turns it into sent: false
            outcome = "not_sent"
        except (UpstreamFailed, Unavailable) as exc:  # the provider or a lease: worth another try
            outcome, error = ("retry" if attempt < MAX_ATTEMPTS else "failed"), exc.message
        except DomainError as exc:  # bad params, missing object, reauthorization: retrying cannot help
            outcome, error = "failed", exc.message
        except Exception as exc:  # a connector bug: recorded, not retried
            outcome, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
        _finish(ctx, job, attempt, outcome, error, result, int((time.perf_counter() - started) * 1000))


def _finish(ctx: Ctx, job: sqlite3.Row, attempt: int, outcome: str, error: str | None, result: Any, ms: int) -> None:
    runtime = ctx.rt.connectors
    delay = 0.0
    if outcome == "retry" and runtime is not None:
        backoff = runtime.automation_backoff
        delay = backoff[min(attempt - 1, len(backoff) - 1)]
    now = ctx.now_ms()
    status = {"success": "done", "not_sent": "done", "retry": "pending", "failed": "failed"}[outcome]
    with ctx.env.db.write() as conn:
        conn.execute(
            "INSERT INTO automation_attempts (job_id, attempt, outcome, error, duration_ms, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (job["id"], attempt, outcome, error, ms, now),
        )
        conn.execute(
            "UPDATE automation_jobs SET status = ?, next_at = ?, error = ?, result = ?, updated_at = ? WHERE id = ?",
            (status, now + int(delay * 1000), error, dumps(result) if result is not None else None, now, job["id"]),
        )
    if outcome == "retry" and runtime is not None:
        runtime.later(delay, lambda: kick(ctx, force=True))


def list_jobs(ctx: Ctx, integration_id: int, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, integration_id)
        rows, nxt = paginate(conn, "SELECT * FROM automation_jobs WHERE integration_id = ?", (integration_id,), page)
        out = []
        for r in rows:
            attempts = conn.execute(
                "SELECT attempt, outcome, error, duration_ms, created_at FROM automation_attempts WHERE job_id = ?"
                " ORDER BY id",
                (r["id"],),
            ).fetchall()
            out.append(
                {
                    "id": r["id"],
                    "integration_id": r["integration_id"],
                    "event_id": r["event_id"],
                    "event": r["event"],
                    "action": r["action"],
                    "params": json.loads(r["params"]),
                    "status": r["status"],
                    "attempts": [{**dict(a), "created_at": iso(a["created_at"])} for a in attempts],
                    "next_at": iso(r["next_at"]) if r["status"] == "pending" else None,
                    "error": r["error"],
                    "result": json.loads(r["result"]) if r["result"] else None,
                    "created_at": iso(r["created_at"]),
                }
            )
    return out, nxt


def update_integration(
    ctx: Ctx, integration_id: int, *, name: str | None, config: dict[str, Any] | None
) -> dict[str, Any]:
    """``PATCH /api/integrations/:id``: rename and/or replace the config (automations validated first)."""
    from .integrations import render

    with ctx.env.db.write() as conn:
        row = _get(ctx, conn, integration_id)
        if config is not None:
            normalize(row["provider"], config)
            conn.execute("UPDATE integrations SET config = ? WHERE id = ?", (dumps(config), integration_id))
        if name is not None:
            conn.execute("UPDATE integrations SET name = ? WHERE id = ?", (name, integration_id))
        conn.execute("UPDATE integrations SET updated_at = ? WHERE id = ?", (ctx.now_ms(), integration_id))
        return render(_get(ctx, conn, integration_id))

"""Slack Web API (https://api.slack.com/web): ``auth.test`` and ``chat.postMessage`` over HTTPS with a bot token.

Slack answers most failures with HTTP 200 and ``{"ok": false, "error": "channel_not_found"}``; those become
:class:`ProviderError` with ``provider_error`` set. Rate limits are HTTP 429 with ``Retry-After`` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import httpx
from pydantic import Field, StringConstraints

from .base import ProviderError, ProviderRequest, json_of
from .cursor import LocalCursors
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["SlackConnector"]

API = "https://slack.com/api"
_AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


def _ok(response: httpx.Response) -> dict[str, Any]:
    body = json_of(response)
    return body if isinstance(body, dict) else {}


def auth_test() -> ProviderRequest[dict[str, Any]]:
    return ProviderRequest("POST", f"{API}/auth.test", _ok, retry_5xx=True)


def post_message(
    channel: str, text: str, *, blocks: list[Any] | None = None, thread_ts: str | None = None
) -> ProviderRequest[dict[str, Any]]:
    body: dict[str, Any] = {"channel": channel, "text": text}
    if blocks is not None:
        body["blocks"] = blocks
    if thread_ts is not None:
        body["thread_ts"] = thread_ts
    return ProviderRequest(
        "POST", f"{API}/chat.postMessage", _ok, json=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )


class SendMessage(ActionParams):
    channel: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    text: Annotated[str, StringConstraints(min_length=1, max_length=40000)]
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None


class NotifyEvent(ActionParams):
    event: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    data: dict[str, Any] = Field(default_factory=dict)
    channel: str | None = None


def _channel(session: Session, given: str | None) -> str:
    channel = given or session.credentials.get("defaultChannel") or session.config.get("defaultChannel")
    if not isinstance(channel, str) or not channel:
        from ..errors import Invalid

        raise Invalid(
            "channel is required (or set the integration's defaultChannel credential)", code="validation_error"
        )
    return channel


def _message(result: dict[str, Any]) -> dict[str, Any]:
    return {"channel": result.get("channel"), "ts": result.get("ts")}


def send_message(session: Session, p: SendMessage) -> dict[str, Any]:
    result = session.call(post_message(_channel(session, p.channel), p.text, blocks=p.blocks, thread_ts=p.thread_ts))
    return _message(result)


_TEMPLATES = {
    "project.status_changed": ("project", "Project *{name}* is now *{status}*"),
    "project.created": ("project", "New project *{name}*"),
    "rfi.created": ("rfi", "New RFI *{rfi_number}*: {subject}"),
    "rfi.answered": ("rfi", "RFI *{rfi_number}* answered: {subject}"),
    "invoice.created": ("invoice", "Invoice *{invoice_number}* created: {total}"),
    "invoice.sent": ("invoice", "Invoice *{invoice_number}* sent: {total}"),
    "invoice.paid": ("invoice", "Invoice *{invoice_number}* paid: {total}"),
    "invoice.overdue": ("invoice", "Invoice *{invoice_number}* is overdue: balance {balance}"),
    "task.assigned": ("task", "Task *{title}* assigned (due {due_date})"),
    "task.completed": ("task", "Task *{title}* completed"),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def event_text(event: str, data: Mapping[str, Any]) -> str:
    """The seed's notification line for an event (``data`` as the webhook carries it)."""
    template = _TEMPLATES.get(event)
    if template is None:
        return f"CortexBuild event *{event}*"
    resource, line = template
    obj = data.get(resource)
    return line.format_map(_Blank(obj if isinstance(obj, dict) else {}))


def notify_event(session: Session, p: NotifyEvent) -> dict[str, Any]:
    return _message(session.call(post_message(_channel(session, p.channel), event_text(p.event, p.data))))


class SlackConnector:
    provider = "slack"
    actions: Mapping[str, Action] = {
        "send_message": Action("send_message", SendMessage, send_message, "chat.postMessage to a channel"),
        "notify_event": Action("notify_event", NotifyEvent, notify_event, "post the seed's notification for an event"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        body = json_of(response)
        if isinstance(body, dict) and body.get("ok") is False:
            error = str(body.get("error") or "unknown_error")
            code = "provider_unauthorized" if error in _AUTH_ERRORS else "slack_error"
            if error == "ratelimited":
                code = "provider_rate_limited"
            return ProviderError("slack", error, status=response.status_code, provider_error=error, code=code)
        return None

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        token = access_token or session.credentials.get("accessToken")
        if not token:
            from ..errors import Conflict

            raise Conflict("slack integration has no token; connect it through OAuth", code="not_connected")
        return {"Authorization": f"Bearer {token}"}

    def test(self, session: Session) -> dict[str, Any]:
        who = session.call(auth_test())
        return {k: who.get(k) for k in ("team", "team_id", "user", "user_id", "bot_id", "url")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        """Nothing to pull from Slack: the sync proves the token works, then sends what is pending (reminders
        for open tasks due within ``config.reminderDays``, default 1, by the backend's clock; once per task and
        due date). Only the tasks changed since the last clean sync, or whose due date came into the window since,
        are read. Event notifications go out as they happen (actions, automations)."""
        self.test(session)
        if not session.has_local_data():
            return
        channel = session.config.get("reminderChannel") or session.credentials.get("defaultChannel")
        days = session.config.get("reminderDays", 1)
        if not isinstance(channel, str) or not channel or not isinstance(days, int) or isinstance(days, bool):
            return
        today = datetime.fromtimestamp(session.now(), timezone.utc).date()
        through = (today + timedelta(days=days)).isoformat()
        cursors = LocalCursors(session)
        last = cursors.last("tasks_due")
        horizon = last.sync_token if last is not None else None
        changed = cursors.changed(
            "tasks_due", lambda since: session.local_data().tasks_due_changed(since, horizon, through), note=through
        )
        due = [(f"task:{task.id}:{task.due_date}", task) for task in changed.rows]
        sent = session.lookup_mappings("reminder", local_ids=[key for key, _ in due])  # not every reminder ever
        for key, task in due:
            if key in sent:
                counts.skipped += 1
                continue
            when = "overdue" if task.due_date and task.due_date < today.isoformat() else f"due {task.due_date}"
            result = session.call(post_message(channel, f"Reminder: task *{task.title}* is {when}"))
            session.save_mapping("reminder", key, key, sync_token=str(result.get("ts")))
            counts.created += 1
        cursors.save()  # a failed post raised above: the cursor stays put and those tasks are read again

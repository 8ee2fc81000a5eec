"""Zapier Catch Hooks (https://help.zapier.com/hc/en-us/articles/8496288690317): a JSON POST to the hook URL
starts the Zap; Zapier answers ``{"status": "success", "id", "request_id", "attempt"}``.

A Catch Hook has no read-only endpoint, so the connection test *fires* the Zap with a ``cortexbuild.test``
event (documented): there is no other way to prove the URL works.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Any

import httpx
from pydantic import Field, StringConstraints

from .base import ProviderError, ProviderRequest, json_of
from .common import body_dict, require
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["ZapierConnector"]


class SendEvent(ActionParams):
    event: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    data: dict[str, Any] = Field(default_factory=dict)


def _post(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    url = require(session, "webhookUrl", "the Catch Hook URL")
    answer = session.call(ProviderRequest("POST", url, body_dict, json=payload, authenticate=False, user_host=True))
    return {k: answer.get(k) for k in ("status", "id", "request_id", "attempt")}


def send_event(session: Session, p: SendEvent) -> dict[str, Any]:
    return _post(session, {"event": p.event, "data": p.data, "sent_at": datetime.now(timezone.utc).isoformat()})


class ZapierConnector:
    provider = "zapier"
    actions: Mapping[str, Action] = {
        "send_event": Action("send_event", SendEvent, send_event, "forward an event to the Zap's Catch Hook"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        body = json_of(response)
        failed = isinstance(body, dict) and body.get("status") not in (None, "success")
        if response.status_code < 400 and not failed:
            return None
        message = (
            str(body.get("message") or body.get("status")) if isinstance(body, dict) else f"HTTP {response.status_code}"
        )
        code = {410: "zapier_hook_gone", 429: "provider_rate_limited"}.get(response.status_code, "zapier_error")
        return ProviderError("zapier", message, status=response.status_code, code=code)

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return {}  # the hook URL is the secret

    def test(self, session: Session) -> dict[str, Any]:
        return _post(
            session, {"event": "cortexbuild.test", "data": {}, "sent_at": datetime.now(timezone.utc).isoformat()}
        )

    def sync(self, session: Session, counts: SyncCounts) -> None:
        # Events are forwarded as they happen (actions, automations): nothing is pending for a sync to send.
        return None

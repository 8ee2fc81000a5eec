"""Helpers several connectors share: bearer/basic headers, JSON readers, resolving an issue's text."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from ..errors import Conflict, Invalid
from .base import json_of
from .spec import ActionParams, Session

__all__ = ["IssueParams", "basic", "bearer", "body_dict", "issue_text", "require"]


def body_dict(response: httpx.Response) -> dict[str, Any]:
    body = json_of(response)
    return body if isinstance(body, dict) else {}


def bearer(token: str | None, provider: str) -> dict[str, str]:
    if not token:
        raise Conflict(f"{provider} integration has no token; connect it first", code="not_connected")
    return {"Authorization": f"Bearer {token}"}


def basic(user: str, password: str) -> dict[str, str]:
    pair = f"{user}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def require(session: Session, key: str, what: str) -> str:
    value = session.credentials.get(key) or session.config.get(key)
    if not isinstance(value, str) or not value:
        raise Invalid(f"{session.provider}: {what} is required (credential or config {key!r})")
    return value


class IssueParams(ActionParams):
    """Open an issue: from an RFI (``rfi_id``) or task (``task_id``) through the local data, or from
    ``title``/``body`` given directly."""

    title: str | None = None
    body: str | None = None
    rfi_id: int | None = None
    task_id: int | None = None
    labels: list[str] | None = None


def issue_text(session: Session, p: IssueParams) -> tuple[str, str, str | None]:
    """(title, body, mapping key or None)."""
    chosen = [k for k, v in (("rfi", p.rfi_id), ("task", p.task_id)) if v is not None]
    if len(chosen) > 1:
        raise Invalid("give rfi_id or task_id, not both")
    if chosen:
        kind = chosen[0]
        item_id = p.rfi_id if kind == "rfi" else p.task_id
        assert item_id is not None
        item = session.local_data().work_item(kind, item_id)
        return (p.title or item.title), (p.body or item.body), f"{kind}:{item_id}"
    if not p.title:
        raise Invalid("title is required when neither rfi_id nor task_id is given")
    return p.title, p.body or "", None

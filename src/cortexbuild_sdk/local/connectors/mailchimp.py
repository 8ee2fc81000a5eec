"""Mailchimp Marketing API 3.0 (https://mailchimp.com/developer/marketing/api/): HTTP basic auth with the API
key, host from its data-center suffix; members are upserted at ``PUT /lists/{list_id}/members/{md5(email)}``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import Invalid
from ..providers import mailchimp_server
from .base import ProviderError, ProviderRequest, json_of
from .common import basic, body_dict, require
from .cursor import LocalCursors
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["MailchimpConnector", "subscriber_hash"]


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: MD5 of the lowercase address (a documented identifier, not a security use)."""
    return hashlib.md5(email.strip().lower().encode("utf-8"), usedforsecurity=False).hexdigest()


def _api(session: Session) -> str:
    return f"https://{mailchimp_server(require(session, 'apiKey', 'the API key'))}.api.mailchimp.com/3.0"


class AddMember(ActionParams):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    client_id: int | None = None
    list_id: str | None = None
    tags: list[str] | None = None


def upsert_member(
    session: Session, list_id: str, email: str, first: str, last: str, tags: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email_address": email,
        "status_if_new": "subscribed",
        "merge_fields": {"FNAME": first, "LNAME": last},
    }
    if tags:
        body["tags"] = tags
    req = ProviderRequest(
        "PUT", f"{_api(session)}/lists/{list_id}/members/{subscriber_hash(email)}", body_dict, json=body, retry_5xx=True
    )  # PUT is an idempotent upsert
    return session.call(req)


def _split(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last


def add_member(session: Session, p: AddMember) -> dict[str, Any]:
    list_id = p.list_id or require(session, "listId", "the audience (list) id")
    email, first, last = p.email, p.first_name or "", p.last_name or ""
    if p.client_id is not None:
        client = session.local_data().client(p.client_id)  # NotFound for another account's id
        email = email or client.email
        if not (first or last):
            first, last = _split(client.name)
    if not email:
        raise Invalid("an email (or a client_id whose client has one) is required")
    member = upsert_member(session, list_id, email, first, last, p.tags)
    return {"id": member.get("id"), "email_address": member.get("email_address"), "status": member.get("status")}


class MailchimpConnector:
    provider = "mailchimp"
    actions: Mapping[str, Action] = {
        "add_member": Action("add_member", AddMember, add_member, "add or update a client in an audience"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        body = body if isinstance(body, dict) else {}
        code = {401: "provider_unauthorized", 429: "provider_rate_limited"}.get(response.status_code, "mailchimp_error")
        message = str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
        return ProviderError(
            "mailchimp", message, status=response.status_code, provider_error=body.get("title"), code=code
        )

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return basic("cortexbuild", require(session, "apiKey", "the API key"))

    def test(self, session: Session) -> dict[str, Any]:
        ping = session.call(ProviderRequest("GET", f"{_api(session)}/ping", body_dict, retry_5xx=True))
        return {"health_status": ping.get("health_status")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        """Every local client with an email joins the audience. Only the clients changed since the last clean
        sync are read (with their mappings); unchanged ones are skipped."""
        list_id = require(session, "listId", "the audience (list) id")
        cursors = LocalCursors(session)
        changed = cursors.changed("clients", session.local_data().clients_changed)
        known = session.lookup_mappings("member", local_ids=[str(c.id) for c in changed.rows])
        for client in changed.rows:
            if not client.email:
                counts.skipped += 1
                continue
            m = known.get(str(client.id))
            if m is not None and client.updated_at <= (m.local_updated_at or 0):
                counts.skipped += 1
                continue
            first, last = _split(client.name)
            member = upsert_member(session, list_id, client.email, first, last)
            session.save_mapping("member", str(client.id), str(member.get("id")), local_updated_at=client.updated_at)
            if m is None:
                counts.created += 1
            else:
                counts.updated += 1
        cursors.save()  # a failed call raises out of the loop: the cursor stays put

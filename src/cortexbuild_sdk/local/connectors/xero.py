"""Xero Accounting API (https://developer.xero.com/documentation/api/accounting/overview): bearer token plus
the ``xero-tenant-id`` header, or a custom connection's client-credentials token from
``identity.xero.com/connect/token``. Contacts and invoices are POSTed in arrays with ``summarizeErrors=false``
so each item answers with its own ``ValidationErrors``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import basic, body_dict
from .cursor import LocalCursors, mapping_of
from .local_data import LocalClient, LocalInvoice
from .quickbooks import money
from .spec import Action, ActionParams, Mapping_, Session, SyncCounts

__all__ = ["XeroConnector"]

API = "https://api.xero.com/api.xro/2.0"
IDENTITY = "https://identity.xero.com/connect/token"


class NoParams(ActionParams):
    pass


class PushInvoice(ActionParams):
    invoice_id: int


def _errors(item: Mapping[str, Any]) -> str:
    return "; ".join(str(e.get("Message")) for e in item.get("ValidationErrors") or [] if isinstance(e, dict))


def sync_contacts(session: Session, counts: SyncCounts) -> dict[str, str]:
    """Push the local clients changed since the last clean push as contacts (new and changed), reading only
    those and their mappings; returns client id -> ContactID for the clients it read. The cursor moves only
    when every contact went through (a failed one is read again next time)."""
    cursors = LocalCursors(session)
    changed = cursors.changed("clients", session.local_data().clients_changed)
    known = session.lookup_mappings("contact", local_ids=[str(c.id) for c in changed.rows])
    failed = counts.failed
    out = _push_contacts(session, changed.rows, known, counts)
    if counts.failed == failed:
        cursors.save()
    return out


def _push_contacts(
    session: Session, clients: Sequence[LocalClient], known: Mapping[str, Mapping_], counts: SyncCounts
) -> dict[str, str]:
    """Push the new and changed ``clients`` (``known``: their mappings) in arrays of 50; client id -> ContactID."""
    out = {lid: m.remote_id for lid, m in known.items()}
    pending = [c for c in clients if str(c.id) not in known or c.updated_at > (known[str(c.id)].local_updated_at or 0)]
    counts.skipped += len(clients) - len(pending)
    for start in range(0, len(pending), 50):
        chunk = pending[start : start + 50]
        contacts = []
        for c in chunk:
            contact: dict[str, Any] = {"Name": c.name}
            if c.email:
                contact["EmailAddress"] = c.email
            if str(c.id) in known:
                contact["ContactID"] = known[str(c.id)].remote_id
            contacts.append(contact)
        answer = session.call(
            ProviderRequest(
                "POST", f"{API}/Contacts", body_dict, json={"Contacts": contacts}, params={"summarizeErrors": "false"}
            )
        )
        answered = answer.get("Contacts") or []
        saved: list[Mapping_] = []
        for client, item in zip(chunk, answered, strict=False):
            problem = _errors(item)
            if problem or not item.get("ContactID"):
                counts.failed += 1
                counts.problems.append(f"client {client.id}: {problem or 'no ContactID returned'}")
                continue
            saved.append(Mapping_(str(client.id), str(item["ContactID"]), None, client.updated_at, None))
            out[str(client.id)] = str(item["ContactID"])
            counts.created += str(client.id) not in known
            counts.updated += str(client.id) in known
        session.save_mappings("contact", saved)  # one transaction per answered array
        for client in chunk[len(answered) :]:  # a short answer: the rest went unconfirmed
            counts.failed += 1
            counts.problems.append(f"client {client.id}: no answer from Xero")
    return out


def _invoice(inv: LocalInvoice, contact_id: str, account_code: str | None) -> dict[str, Any]:
    lines = inv.lines or ()
    items = [{"Description": line.description, "Quantity": 1, "UnitAmount": money(line.amount_cents)} for line in lines]
    if not items:
        items = [{"Description": f"Invoice {inv.invoice_number}", "Quantity": 1, "UnitAmount": money(inv.total_cents)}]
    if account_code:
        for item in items:
            item["AccountCode"] = account_code
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": inv.issue_date,
        "InvoiceNumber": inv.invoice_number,
        "LineItems": items,
        "Status": "DRAFT",
    }
    if inv.due_date:
        body["DueDate"] = inv.due_date
    return body


def push_invoice(session: Session, p: PushInvoice) -> dict[str, Any]:
    counts = SyncCounts()
    data = session.local_data()
    inv = data.invoice(p.invoice_id)
    # Only the invoice's client: pushed first if Xero lacks it or it changed (the sync's cursor is not moved).
    linked = mapping_of(session, "contact", str(inv.client_id))
    twins = {str(inv.client_id): linked} if linked is not None else {}
    contact = _push_contacts(session, [data.client(inv.client_id)], twins, counts).get(str(inv.client_id))
    if contact is None:
        from ..errors import Invalid

        raise Invalid(f"client {inv.client_id} could not be synced to Xero: {'; '.join(counts.problems)}")
    payload = _invoice(inv, contact, session.config.get("accountCode"))
    known = mapping_of(session, "invoice", str(inv.id))
    if known is not None:
        payload["InvoiceID"] = known.remote_id
    answer = session.call(
        ProviderRequest(
            "POST", f"{API}/Invoices", body_dict, json={"Invoices": [payload]}, params={"summarizeErrors": "false"}
        )
    )
    item = (answer.get("Invoices") or [{}])[0]
    problem = _errors(item)
    if problem or not item.get("InvoiceID"):
        raise ProviderError("xero", problem or "no InvoiceID returned", code="xero_validation")
    session.save_mapping("invoice", str(inv.id), str(item["InvoiceID"]), local_updated_at=inv.updated_at)
    return {"invoice_id": inv.id, "remote_id": item["InvoiceID"], "created": known is None}


def _sync_contacts(session: Session, _: NoParams) -> dict[str, Any]:
    counts = SyncCounts()
    sync_contacts(session, counts)
    return {"counts": counts.as_dict(), "problems": counts.problems}


class XeroConnector:
    provider = "xero"
    actions: Mapping[str, Action] = {
        "sync_contacts": Action("sync_contacts", NoParams, _sync_contacts, "push clients as Xero contacts"),
        "push_invoice": Action("push_invoice", PushInvoice, push_invoice, "create/update one invoice in Xero"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        body = body if isinstance(body, dict) else {}
        message = body.get("Message") or body.get("Detail") or body.get("error") or f"HTTP {response.status_code}"
        for element in body.get("Elements") or []:
            if isinstance(element, dict) and _errors(element):
                message = f"{message}: {_errors(element)}"
        code = {401: "provider_unauthorized", 429: "provider_rate_limited"}.get(response.status_code, "xero_error")
        return ProviderError(
            "xero", str(message), status=response.status_code, provider_error=body.get("Type"), code=code
        )

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        creds = session.credentials
        if creds.get("accessToken"):
            return {"Authorization": f"Bearer {creds['accessToken']}", "xero-tenant-id": creds.get("tenantId", "")}
        cached = getattr(session, "_xero_token", None)
        if cached is None:  # custom connection: client-credentials grant, one token per session
            token = session.call(
                ProviderRequest(
                    "POST",
                    IDENTITY,
                    body_dict,
                    data={"grant_type": "client_credentials"},
                    headers=basic(creds.get("clientId", ""), creds.get("clientSecret", "")),
                    authenticate=False,
                )
            )
            cached = str(token.get("access_token") or "")
            if not cached:
                raise ProviderError("xero", "token endpoint returned no access_token", code="oauth_error")
            session._xero_token = cached  # type: ignore[attr-defined]
        return {"Authorization": f"Bearer {cached}"}

    def test(self, session: Session) -> dict[str, Any]:
        org = session.call(ProviderRequest("GET", f"{API}/Organisation", body_dict, retry_5xx=True))
        first = (org.get("Organisations") or [{}])[0]
        return {"name": first.get("Name"), "country": first.get("CountryCode")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        sync_contacts(session, counts)

"""QuickBooks Online Accounting API v3 (https://developer.intuit.com/app/developer/qbo/docs/api/accounting).

Every call carries ``minorversion``; entities are read with the query endpoint (``select * from Invoice
STARTPOSITION n MAXRESULTS 1000``) and written in batches of up to 30 (``POST /batch``) with a ``requestid`` so
a retried batch is not applied twice. Errors arrive as ``{"Fault": {"Error": [{"Message", "Detail", "code"}],
"type"}}`` (HTTP 400/401/..., and inside batch items). Intuit throttles at 500 requests/minute per realm
(enforced here before sending) and answers 429 with ``Retry-After`` beyond that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from ..errors import Invalid
from .base import ProviderError, ProviderRequest, json_of
from .cursor import LocalCursors
from .local_data import LocalInvoice, LocalLine, RemoteClient
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["MINOR_VERSION", "QuickBooksConnector"]

MINOR_VERSION = "75"
PRODUCTION = "https://quickbooks.api.intuit.com"
SANDBOX = "https://sandbox-quickbooks.api.intuit.com"
PAGE = 1000
BATCH = 30
CURSOR_OVERLAP_S = 60


def parse_stamp(text: str) -> datetime:
    """A QuickBooks ``LastUpdatedTime`` (``2026-11-30T08:15:02-08:00``, maybe with milliseconds)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _body(response: httpx.Response) -> dict[str, Any]:
    body = json_of(response)
    return body if isinstance(body, dict) else {}


def fault_message(fault: Mapping[str, Any]) -> tuple[str, str | None]:
    errors = fault.get("Error") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    message = str(first.get("Message") or fault.get("type") or "Fault")
    detail = first.get("Detail")
    return (f"{message}: {detail}" if detail and detail != message else message), (
        str(first["code"]) if "code" in first else None
    )


def cents(amount: Any) -> int:
    return int((Decimal(str(amount or 0)) * 100).quantize(Decimal(1)))


def money(amount_cents: int) -> float:
    return float(Decimal(amount_cents) / 100)


class _Api:
    def __init__(self, session: Session) -> None:
        realm = session.config.get("realmId") or session.credentials.get("realmId")
        if not realm:
            raise Invalid("quickbooks integration has no realmId (it arrives on the OAuth redirect)")
        self.realm = str(realm)
        host = SANDBOX if session.config.get("environment") == "sandbox" else PRODUCTION
        self.base = f"{host}/v3/company/{self.realm}"
        self.session = session
        self.incremental: dict[str, bool] = {}
        self.newest: dict[str, datetime] = {}
        self.local = LocalCursors(session)  # saved with the remote cursors after a clean sync

    def query(self, entity: str, where: str = "") -> Iterator[dict[str, Any]]:
        start = 1
        while True:
            statement = f"select * from {entity}{where} STARTPOSITION {start} MAXRESULTS {PAGE}"
            req = ProviderRequest(
                "GET",
                f"{self.base}/query",
                _body,
                params={"query": statement, "minorversion": MINOR_VERSION},
                retry_5xx=True,
            )
            page = self.session.call(req).get("QueryResponse", {}).get(entity, [])
            yield from page
            if len(page) < PAGE:
                return
            start += PAGE

    def pull(self, entity: str) -> list[dict[str, Any]]:
        """Objects of ``entity`` changed since the last completed sync (all of them the first time), read with
        ``where MetaData.LastUpdatedTime >= '<cursor>'``; :meth:`advance` moves the cursor after a clean sync."""
        cursor = self.session.mappings("cursor").get(entity)
        self.incremental[entity] = cursor is not None and bool(cursor.sync_token)
        where = f" where MetaData.LastUpdatedTime >= '{cursor.sync_token}'" if cursor and cursor.sync_token else ""
        rows = list(self.query(entity, where))
        if cursor is not None and cursor.sync_token:
            self.note(entity, parse_stamp(cursor.sync_token))
        for row in rows:
            self.note(entity, row)
        return rows

    def note(self, entity: str, seen: Mapping[str, Any] | datetime) -> None:
        """Move the pending cursor of ``entity`` to an object's (or a time's) last update, if later."""
        if not isinstance(seen, datetime):
            text = _stamp(seen)
            if not text:
                return
            seen = parse_stamp(text)
        if entity not in self.newest or seen > self.newest[entity]:
            self.newest[entity] = seen

    def advance(self) -> None:
        # Overlap by a minute: a write committing late with an earlier stamp is still seen; re-seen objects are
        # recognised by their unchanged stamp and skipped.
        for entity, newest in self.newest.items():
            mark = (newest - timedelta(seconds=CURSOR_OVERLAP_S)).isoformat(timespec="seconds")
            self.session.save_mapping("cursor", entity, entity, sync_token=mark)
        self.local.save()

    def find(self, entity: str, field: str, values: list[str]) -> list[dict[str, Any]]:
        """Objects whose ``field`` is one of ``values`` (``IN`` queries of 100): for linking new local objects
        to existing remote ones without reading every remote object."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(values), 100):
            chunk = ", ".join(
                "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values[start : start + 100]
            )
            found += self.query(entity, f" where {field} IN ({chunk})")
        return found

    def batch(self, items: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
        req = ProviderRequest(
            "POST",
            f"{self.base}/batch",
            _body,
            params={"minorversion": MINOR_VERSION, "requestid": request_id},
            json={"BatchItemRequest": items},
            retry_5xx=True,  # requestid makes the retry safe
        )
        answers = self.session.call(req).get("BatchItemResponse", [])
        return [a for a in answers if isinstance(a, dict)]

    def write(self, entity: str, payload: dict[str, Any], request_id: str) -> dict[str, Any]:
        req = ProviderRequest(
            "POST",
            f"{self.base}/{entity.lower()}",
            _body,
            params={"minorversion": MINOR_VERSION, "requestid": request_id},
            json=payload,
            retry_5xx=True,
        )
        saved = dict(self.session.call(req).get(entity, {}))
        self.note(entity, saved)
        return saved


def _request_id(session: Session, *parts: object) -> str:
    # Stable per content: the same batch retried (or re-sent after a crash) is recognised by Intuit.
    return hashlib.sha256(":".join(map(str, (session.integration_id, *parts))).encode()).hexdigest()[:32]


def _customer_payload(client: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": client.name[:500]}
    if client.email:
        body["PrimaryEmailAddr"] = {"Address": client.email}
    if client.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": client.phone}
    if client.company:
        body["CompanyName"] = client.company
    return body


def _invoice_payload(inv: LocalInvoice, customer_id: str, item_id: str) -> dict[str, Any]:
    lines = inv.lines or (LocalLine(f"Invoice {inv.invoice_number}", inv.total_cents),)
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "DocNumber": inv.invoice_number[:21],  # QuickBooks' DocNumber limit
        "TxnDate": inv.issue_date,
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": money(line.amount_cents),
                "Description": line.description[:4000],
                "SalesItemLineDetail": {"ItemRef": {"value": item_id}},
            }
            for line in lines
        ],
    }
    if inv.due_date:
        body["DueDate"] = inv.due_date
    return body


def _remote_client(c: Mapping[str, Any]) -> RemoteClient:
    return RemoteClient(
        remote_id=str(c["Id"]),
        name=str(c.get("DisplayName") or c.get("CompanyName") or f"Customer {c['Id']}"),
        email=(c.get("PrimaryEmailAddr") or {}).get("Address"),
        phone=(c.get("PrimaryPhone") or {}).get("FreeFormNumber"),
        company=c.get("CompanyName"),
    )


def _stamp(obj: Mapping[str, Any]) -> str | None:
    meta = obj.get("MetaData")
    return str(meta.get("LastUpdatedTime")) if isinstance(meta, dict) and meta.get("LastUpdatedTime") else None


class PushInvoice(ActionParams):
    invoice_id: int


class NoParams(ActionParams):
    pass


def _sync_invoices(session: Session, _: NoParams) -> dict[str, Any]:
    from .quickbooks_sync import sync_customers, sync_invoices

    counts = SyncCounts()
    api = _Api(session)
    sync_customers(api, counts)
    sync_invoices(api, counts)
    return {"counts": counts.as_dict(), "problems": counts.problems}


def _push_invoice(session: Session, p: PushInvoice) -> dict[str, Any]:
    """Create (or update) one local invoice in QuickBooks: what an ``invoice.created`` automation runs."""
    from .quickbooks_sync import _item_id, sync_customers

    api = _Api(session)
    invoice = session.local_data().invoice(p.invoice_id)
    mapping = session.lookup_mappings("invoice", local_ids=[str(invoice.id)]).get(str(invoice.id))
    if mapping is None:
        # An invoice a sync pulled from QuickBooks fires invoice.created too: link it to its twin, never copy it.
        twin = next(iter(api.find("Invoice", "DocNumber", [invoice.invoice_number[:21]])), None)
        if twin is not None:
            return _linked(session, invoice, twin)
    elif invoice.updated_at <= (mapping.local_updated_at or 0):
        return {"invoice_id": invoice.id, "remote_id": mapping.remote_id, "sync_token": mapping.sync_token,
                "created": False}  # fmt: skip
    sync_customers(api, SyncCounts())
    client_mapping = session.lookup_mappings("customer", local_ids=[str(invoice.client_id)]).get(str(invoice.client_id))
    customer = client_mapping.remote_id if client_mapping is not None else None
    if customer is None:
        raise Invalid(f"client {invoice.client_id} of invoice {p.invoice_id} could not be synced to QuickBooks")
    payload = _invoice_payload(invoice, customer, _item_id(api))
    if mapping is not None:
        payload.update({"Id": mapping.remote_id, "SyncToken": mapping.sync_token, "sparse": True})
    saved = api.write("Invoice", payload, _request_id(session, "invoice", invoice.id, invoice.updated_at))
    linked = _linked(session, invoice, saved)
    return {**linked, "created": mapping is None}


def _linked(session: Session, invoice: LocalInvoice, remote: Mapping[str, Any]) -> dict[str, Any]:
    session.save_mapping(
        "invoice",
        str(invoice.id),
        str(remote["Id"]),
        sync_token=remote.get("SyncToken"),
        local_updated_at=invoice.updated_at,
        remote_updated=_stamp(remote),
    )
    return {"invoice_id": invoice.id, "remote_id": str(remote["Id"]), "sync_token": remote.get("SyncToken"),
            "created": False}  # fmt: skip


class QuickBooksConnector:
    provider = "quickbooks"
    actions: Mapping[str, Action] = {
        "sync_invoices": Action("sync_invoices", NoParams, _sync_invoices, "customers and invoices both ways"),
        "push_invoice": Action("push_invoice", PushInvoice, _push_invoice, "create/update one invoice in QuickBooks"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        body = json_of(response)
        fault = body.get("Fault") if isinstance(body, dict) else None
        if response.status_code < 400 and not isinstance(fault, dict):
            return None
        if isinstance(fault, dict):
            message, code = fault_message(fault)
            kind = str(fault.get("type") or "")
            if response.status_code == 429 or kind == "ThrottleExceeded" or code == "003001":
                return ProviderError(
                    "quickbooks",
                    message,
                    status=response.status_code,
                    provider_error=code,
                    code="provider_rate_limited",
                )
            if response.status_code == 401 or kind.upper() == "AUTHENTICATION":
                return ProviderError(
                    "quickbooks",
                    message,
                    status=response.status_code,
                    provider_error=code,
                    code="provider_unauthorized",
                )
            return ProviderError(
                "quickbooks",
                f"{kind or 'Fault'}: {message}",
                status=response.status_code,
                provider_error=code,
                code="quickbooks_fault",
            )
        return None

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        token = access_token or session.credentials.get("accessToken")
        if not token:
            from ..errors import Conflict

            raise Conflict("quickbooks integration has no token; connect it through OAuth", code="not_connected")
        return {"Authorization": f"Bearer {token}"}

    def test(self, session: Session) -> dict[str, Any]:
        api = _Api(session)
        req = ProviderRequest(
            "GET", f"{api.base}/companyinfo/{api.realm}", _body, params={"minorversion": MINOR_VERSION}, retry_5xx=True
        )
        info = session.call(req).get("CompanyInfo", {})
        return {"realm_id": api.realm, "company_name": info.get("CompanyName"), "country": info.get("Country")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        from .quickbooks_sync import sync_all

        sync_all(_Api(session), counts)

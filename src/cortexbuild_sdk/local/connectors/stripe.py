"""Stripe API (https://docs.stripe.com/api): secret-key bearer auth, form-encoded, cursor lists.

Invoice payments are recorded from succeeded PaymentIntents carrying ``metadata[cortexbuild_invoice_id]``
(the metadata a checkout for a CortexBuild invoice sets): each marks the local invoice paid once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import bearer, body_dict
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["METADATA_KEY", "StripeConnector"]

API = "https://api.stripe.com"
METADATA_KEY = "cortexbuild_invoice_id"
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def _payment_intent_pages(session: Session) -> Iterator[list[dict[str, Any]]]:
    after: str | None = None
    while True:
        params = {"limit": "100"}
        if after:
            params["starting_after"] = after
        page = session.call(
            ProviderRequest("GET", f"{API}/v1/payment_intents", body_dict, params=params, retry_5xx=True)
        )
        items = [i for i in page.get("data") or [] if isinstance(i, dict)]
        yield items
        if not page.get("has_more") or not items:
            return
        after = str(items[-1]["id"])


class NoParams(ActionParams):
    pass


def _succeeded(page: list[dict[str, Any]]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(intent id, invoice reference, intent) of the page's succeeded intents that name an invoice."""
    out = []
    for intent in page:
        invoice_ref = (intent.get("metadata") or {}).get(METADATA_KEY)
        if intent.get("status") == "succeeded" and invoice_ref:
            out.append((str(intent["id"]), invoice_ref, intent))
    return out


def record_payments(session: Session, _: NoParams | None = None, counts: SyncCounts | None = None) -> dict[str, Any]:
    """Stripe's list has no "changed since" filter that catches an intent succeeding after it was created, so
    every page is read; locally, only the mappings of each page's succeeded intents are looked up."""
    counts = counts or SyncCounts()
    data = None
    for page in _payment_intent_pages(session):
        succeeded = _succeeded(page)
        if not succeeded:
            continue
        # Recorded before: a "payment" mapping whose remote id is the intent's (an index probe per intent).
        recorded = session.lookup_mappings("payment", remote_ids=[i for i, _, _ in succeeded])
        seen = {m.remote_id for m in recorded.values()}
        for intent_id, invoice_ref, intent in succeeded:
            if intent_id in seen:
                counts.skipped += 1
                continue
            data = data or session.local_data()
            if not (str(invoice_ref).isascii() and str(invoice_ref).isdigit()):
                counts.failed += 1
                counts.problems.append(f"{intent_id}: {METADATA_KEY} {invoice_ref!r} is not an invoice id")
                continue
            amount = int(intent.get("amount_received") or 0)
            if str(intent.get("currency", "")).lower() in _ZERO_DECIMAL:
                amount *= 100  # local money is cents
            changed = data.mark_invoice_paid(int(invoice_ref), paid_cents=amount, paid_at=None)
            session.save_mapping("payment", f"pi:{intent_id}", intent_id, remote_updated=str(intent.get("created")))
            seen.add(intent_id)
            if changed:
                counts.updated += 1
            else:
                counts.skipped += 1
    return {"counts": counts.as_dict(), "problems": counts.problems}


class StripeConnector:
    provider = "stripe"
    actions: Mapping[str, Action] = {
        "record_payments": Action(
            "record_payments", NoParams, record_payments, "mark invoices paid from succeeded PaymentIntents"
        ),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code = {401: "provider_unauthorized", 429: "provider_rate_limited"}.get(response.status_code, "stripe_error")
        return ProviderError(
            "stripe",
            str(error.get("message") or f"HTTP {response.status_code}"),
            status=response.status_code,
            provider_error=error.get("code") or error.get("type"),
            code=code,
        )

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        headers = bearer(session.credentials.get("apiKey"), "stripe")
        if session.credentials.get("accountId"):
            headers["Stripe-Account"] = session.credentials["accountId"]
        return headers

    def test(self, session: Session) -> dict[str, Any]:
        balance = session.call(ProviderRequest("GET", f"{API}/v1/balance", body_dict, retry_5xx=True))
        return {"livemode": balance.get("livemode"), "available": balance.get("available")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        record_payments(session, None, counts)

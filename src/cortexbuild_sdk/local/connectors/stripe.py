"""Stripe API (https://docs.stripe.com/api): secret-key bearer auth, form-encoded, cursor lists (newest first).

Invoice payments are recorded from succeeded PaymentIntents carrying ``metadata[cortexbuild_invoice_id]``
(the metadata a checkout for a CortexBuild invoice sets): each marks the local invoice paid once.

The PaymentIntents list has no "changed since" filter (its ``created`` is when an intent was made, not when it
succeeded), so it is read whole only by a first sync. Later syncs read the ``payment_intent.succeeded`` events
created since a remote cursor (``GET /v1/events``, ``type`` and ``created[gte]``; each event's ``data.object``
is the intent as of the event): O(what succeeded since). Stripe lists events going back 30 days, so a sync
29 days (local clock) after the last clean one - or with a key not allowed to read events - reads the whole
list again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .. import errors
from .base import ProviderError, ProviderRequest, json_of
from .common import bearer, body_dict
from .cursor import mapping_of
from .local_data import LocalData
from .spec import Action, ActionParams, Mapping_, Session, SyncCounts

__all__ = ["CURSOR_KEY", "EVENT", "METADATA_KEY", "RETENTION_S", "RETRY_KIND", "StripeConnector"]

API = "https://api.stripe.com"
METADATA_KEY = "cortexbuild_invoice_id"
EVENT = "payment_intent.succeeded"
CURSOR_KEY = f"events:{EVENT}"
"""The ``cursor`` mapping: ``sync_token`` the next ``created[gte]`` (Stripe's clock), ``local_updated_at`` when
the last clean sync started (the local clock, epoch seconds)."""
RETRY_KIND = "payment_retry"
"""Mappings of the succeeded intents whose payment could not be recorded yet (local and remote id: the intent's
id; ``sync_token``: why)."""
RETENTION_S = 29 * 86_400  # Stripe keeps events 30 days: a day's margin for the two clocks
CURSOR_OVERLAP_S = 60  # an event made visible late with an earlier stamp is still read; re-reads are skipped
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def _pages(session: Session, path: str, params: Mapping[str, str], limit: int = 100) -> Iterator[list[dict[str, Any]]]:
    """A Stripe list, page by page (``starting_after`` the last id while ``has_more``)."""
    after: str | None = None
    while True:
        query = {**params, "limit": str(limit)}
        if after:
            query["starting_after"] = after
        page = session.call(ProviderRequest("GET", f"{API}{path}", body_dict, params=query, retry_5xx=True))
        items = [i for i in page.get("data") or [] if isinstance(i, dict)]
        yield items
        if not page.get("has_more") or not items:
            return
        after = str(items[-1]["id"])


def _created(event: Mapping[str, Any]) -> int | None:
    created = event.get("created")
    return int(created) if isinstance(created, int | float) and not isinstance(created, bool) else None


def _intents(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PaymentIntents the page's ``payment_intent.succeeded`` events carry (each as of its event)."""
    out = []
    for event in events:
        data = event.get("data")
        intent = data.get("object") if isinstance(data, dict) else None
        if event.get("type") == EVENT and isinstance(intent, dict) and intent.get("id"):
            out.append(intent)
    return out


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


class _Payments:
    """Records pages of intents: only the mappings of their succeeded intents are looked up locally. An intent
    whose payment cannot be recorded is a problem of this sync and waits in :data:`RETRY_KIND`."""

    def __init__(self, session: Session, counts: SyncCounts) -> None:
        self.session, self.counts = session, counts
        self.data: LocalData | None = None
        self.failed: dict[str, str] = {}  # intent id -> why, this sync

    def record(self, page: list[dict[str, Any]]) -> None:
        succeeded = [s for s in _succeeded(page) if s[0] not in self.failed]  # tried this sync already
        if not succeeded:
            return
        # Recorded before: a "payment" mapping whose remote id is the intent's (an index probe per intent).
        recorded = self.session.lookup_mappings("payment", remote_ids=[i for i, _, _ in succeeded])
        seen = {m.remote_id for m in recorded.values()}
        for intent_id, invoice_ref, intent in succeeded:
            if intent_id in seen:
                self.counts.skipped += 1
                continue
            problem = self._pay(intent_id, invoice_ref, intent)
            if problem is not None:
                self.counts.failed += 1
                self.counts.problems.append(f"{intent_id}: {problem}")
                self.failed[intent_id] = problem
            seen.add(intent_id)

    def _pay(self, intent_id: str, invoice_ref: Any, intent: dict[str, Any]) -> str | None:
        """Mark the intent's invoice paid and remember the payment; the problem, if it cannot be."""
        if not (str(invoice_ref).isascii() and str(invoice_ref).isdigit()):
            return f"{METADATA_KEY} {invoice_ref!r} is not an invoice id"
        amount = int(intent.get("amount_received") or 0)
        if str(intent.get("currency", "")).lower() in _ZERO_DECIMAL:
            amount *= 100  # local money is cents
        self.data = self.data or self.session.local_data()
        try:
            changed = self.data.mark_invoice_paid(int(invoice_ref), paid_cents=amount, paid_at=None)
        except (errors.NotFound, errors.Conflict, errors.Invalid) as error:  # no such invoice, or not payable
            return f"invoice {invoice_ref}: {error}"
        self.session.save_mapping("payment", f"pi:{intent_id}", intent_id, remote_updated=str(intent.get("created")))
        if changed:
            self.counts.updated += 1
        else:
            self.counts.skipped += 1
        return None

    def retry(self, waiting: Iterable[str]) -> None:
        """Fetch each intent that failed before, as it is now (its metadata may have been fixed), and record it."""
        for intent_id in waiting:
            try:
                intent = self.session.call(
                    ProviderRequest("GET", f"{API}/v1/payment_intents/{quote(intent_id, safe='')}", body_dict)
                )
            except ProviderError as error:
                if error.status != 404:
                    raise
                self.counts.failed += 1  # reported once more, then forgotten: nothing is left to retry
                self.counts.problems.append(f"{intent_id}: no longer in Stripe, not retried")
                continue
            self.record([intent])


def _since(session: Session, started: int) -> int | None:
    """The ``created[gte]`` of this sync's events read; None: read the PaymentIntents list whole (no clean sync
    yet, or the last one is so old that events it did not see may have expired)."""
    cursor = mapping_of(session, "cursor", CURSOR_KEY)
    if cursor is None or cursor.local_updated_at is None or not (cursor.sync_token or "").isdigit():
        return None
    if started - cursor.local_updated_at > RETENTION_S:
        return None
    return int(cursor.sync_token or 0)


def _read(session: Session, payments: _Payments, since: int | None) -> int | None:
    """Record the intents this sync must read (the events since ``since``, else the whole list); return the
    cursor to save if the sync ends clean (None: this key may not read events)."""
    try:
        if since is not None:
            newest = since
            for events in _pages(session, "/v1/events", {"type": EVENT, "created[gte]": str(since)}):
                newest = max([newest, *(c - CURSOR_OVERLAP_S for c in map(_created, events) if c is not None)])
                payments.record(_intents(events))
            return newest
        # Read before the scan: whatever succeeds after the scan read its intent has a later event. No event
        # at all: 0 (the next sync reads the events kept, whatever their stamps).
        latest = next(_pages(session, "/v1/events", {"type": EVENT}, limit=1))
        created = _created(latest[0]) if latest else None
        mark: int | None = max(0, created - CURSOR_OVERLAP_S) if created is not None else 0
    except ProviderError as error:
        if error.status != 403:
            raise
        mark = None  # a restricted key without Events read: the whole list every time, no cursor
    for page in _pages(session, "/v1/payment_intents", {}):
        payments.record(page)
    return mark


def record_payments(session: Session, _: NoParams | None = None, counts: SyncCounts | None = None) -> dict[str, Any]:
    """Mark invoices paid from the intents that succeeded since the last sync (every intent the first time).

    The cursor moves once the read went through: an intent whose payment could not be recorded (no such
    invoice, one that cannot be paid, metadata naming no invoice) is kept in :data:`RETRY_KIND` instead and
    fetched again by every sync until it is recorded - reported each time, never blocking the others."""
    counts = counts or SyncCounts()
    started = int(session.now())
    payments = _Payments(session, counts)
    waiting = [m.remote_id for m in session.mappings(RETRY_KIND).values()]  # O(payments waiting)
    payments.retry(waiting)
    mark = _read(session, payments, _since(session, started))
    session.delete_mappings(RETRY_KIND, [i for i in waiting if i not in payments.failed])
    session.save_mappings(
        RETRY_KIND, [Mapping_(i, i, problem[:500], None, None) for i, problem in payments.failed.items()]
    )
    if mark is not None:
        session.save_mapping("cursor", CURSOR_KEY, CURSOR_KEY, sync_token=str(mark), local_updated_at=started)
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

"""A Stripe account for respx, answering from the documented shapes (https://docs.stripe.com/api).

``GET /v1/payment_intents/:id``: one intent as it is now (404 ``resource_missing`` if unknown).
``GET /v1/payment_intents``: a list (``object``, ``data``, ``has_more``) paged with ``starting_after``.
``GET /v1/events``: the ``payment_intent.succeeded`` events made when an intent's status became
``succeeded`` (``id``, ``object: "event"``, ``type``, ``created``, ``data.object`` the intent as of the event,
never changed after), filtered by ``type`` and ``created[gte]``, newest first, paged with ``limit`` (1 to 100)
and ``starting_after``; events older than 30 days are no longer listed. ``created`` stamps come from
``now`` (Stripe's clock). Pages hold at most ``page`` objects, so the syncs' paging is exercised.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

RETENTION_S = 30 * 86_400
EVENT_PARAMS = {"type", "created[gte]", "limit", "starting_after"}


@dataclass
class StripeFake:
    now: Callable[[], float] = time.time
    page: int = 2
    intents: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """(path, query) of every list request."""
    forbid_events: bool = False
    """Answer ``/v1/events`` 403, as for a restricted key without Events read access."""

    def add(self, intent_id: str, status: str = "succeeded", **fields: Any) -> dict[str, Any]:
        intent = {"id": intent_id, "object": "payment_intent", "status": "requires_payment_method",
                  "metadata": {}, "created": int(self.now()), **fields}  # fmt: skip
        self.intents.append(intent)
        self.update(intent_id, status=status)
        return intent

    def pay(self, intent_id: str, invoice_id: int, amount: int = 10_000, currency: str = "usd") -> dict[str, Any]:
        """An intent for a CortexBuild invoice, succeeded now."""
        meta = {"cortexbuild_invoice_id": str(invoice_id)}
        return self.add(intent_id, amount_received=amount, currency=currency, metadata=meta)

    def update(self, intent_id: str, **changes: Any) -> None:
        (intent,) = [i for i in self.intents if i["id"] == intent_id]
        became = changes.get("status") == "succeeded" and intent["status"] != "succeeded"
        intent.update(changes)
        if became:
            self.events.append({"id": f"evt_{len(self.events) + 1}", "object": "event",
                                "type": "payment_intent.succeeded", "created": int(self.now()),
                                "data": {"object": copy.deepcopy(intent)}})  # fmt: skip

    def mount(self, mock: respx.MockRouter, host: str) -> None:
        """Answer Stripe's routes on ``host`` from this account."""
        mock.get(f"{host}/v1/payment_intents").mock(side_effect=self.payment_intents)
        mock.get(f"{host}/v1/events").mock(side_effect=self.list_events)
        one = re.escape(f"{host}/v1/payment_intents/") + r"(?P<intent_id>[^/?]+)$"
        mock.get(url__regex=one).mock(side_effect=self.retrieve_intent)

    def calls_to(self, prefix: str) -> list[str]:
        """The ids of the single objects fetched under ``prefix`` (e.g. ``/v1/payment_intents/``)."""
        return [p[len(prefix) :] for p, _ in self.calls if p.startswith(prefix)]

    def lists(self, path: str) -> list[dict[str, str]]:
        return [query for p, query in self.calls if p == path]

    def payment_intents(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(("/v1/payment_intents", dict(request.url.params)))
        return self._page(self.intents, request.url.params.get("starting_after"), self.page)

    def retrieve_intent(self, request: httpx.Request, intent_id: str) -> httpx.Response:
        """``GET /v1/payment_intents/:id``: the intent as it is now, or 404 ``resource_missing``."""
        self.calls.append((f"/v1/payment_intents/{intent_id}", {}))
        found = [i for i in self.intents if i["id"] == intent_id]
        if not found:
            error = {"type": "invalid_request_error", "code": "resource_missing",
                     "message": f"No such payment_intent: '{intent_id}'"}  # fmt: skip
            return httpx.Response(404, json={"error": error})
        return httpx.Response(200, json=found[0])

    def list_events(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        self.calls.append(("/v1/events", query))
        if self.forbid_events:
            message = "The provided key does not have the required permissions for this endpoint."
            return httpx.Response(403, json={"error": {"type": "invalid_request_error", "message": message}})
        assert set(query) <= EVENT_PARAMS and query["type"] == "payment_intent.succeeded", query
        limit = int(query.get("limit", "10"))
        assert 1 <= limit <= 100, query
        since = max(int(query.get("created[gte]", "0")), int(self.now()) - RETENTION_S)
        kept = [e for e in self.events if e["created"] >= since and e["type"] == query["type"]]
        newest_first = sorted(kept, key=lambda e: (e["created"], int(e["id"][4:])), reverse=True)
        return self._page(newest_first, query.get("starting_after"), min(limit, self.page))

    @staticmethod
    def _page(items: list[dict[str, Any]], after: str | None, size: int) -> httpx.Response:
        start = next((n + 1 for n, i in enumerate(items) if i["id"] == after), 0)
        body = {"object": "list", "data": items[start : start + size], "has_more": start + size < len(items)}
        return httpx.Response(200, json=body)

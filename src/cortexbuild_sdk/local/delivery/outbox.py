"""The transactional outbox: an event and its fan-out rows are written in the caller's transaction."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Mapping
from typing import Any, Final

from cortexbuild_sdk._events import EVENT_TYPES, TEST_EVENT, WILDCARD

from .errors import InvalidPayloadError, PayloadTooLargeError, UnknownEventError
from .ids import new_id, new_id_sql

MAX_PAYLOAD_BYTES: Final = 256 * 1024
"""Bodies above 256 KiB (UTF-8) are refused at emit."""

_EVENTS: Final = frozenset(EVENT_TYPES)
# One row per subscriber: the event's own, then the wildcard's not already counted. Seeks only, no temporary
# b-tree; one statement, so the caller's thread gives up the GIL once for the fan-out, not once per row.
_FAN_OUT: Final = f"""
INSERT INTO webhook_deliveries (id, event_id, webhook_id, next_attempt_at, created_at, updated_at)
SELECT {new_id_sql("msg", ":now")}, :event_id, webhook_id, :now, :now, :now FROM (
    SELECT s.webhook_id FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
    WHERE s.account_id = :account AND s.event = :event AND w.is_active = 1
    UNION ALL
    SELECT s.webhook_id FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
    WHERE s.account_id = :account AND s.event = :wildcard AND w.is_active = 1 AND NOT EXISTS (
        SELECT 1 FROM webhook_subscriptions x
        WHERE x.account_id = :account AND x.event = :event AND x.webhook_id = s.webhook_id)
)
"""
_INSERT_DELIVERY: Final = (
    "INSERT INTO webhook_deliveries (id, event_id, webhook_id, next_attempt_at, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def build_payload(
    *, event: str, timestamp_ms: int, data: Mapping[str, Any], company_id: str, user_id: str, event_id: str
) -> str:
    """The seed's body ``{event, timestamp, data, company_id, user_id}`` plus ``id``, compact JSON."""
    if not isinstance(data, Mapping):
        raise InvalidPayloadError(f"data must be a JSON object, not {type(data).__name__}")
    body = {
        "event": event,
        "timestamp": timestamp_ms,
        "data": data,
        "company_id": company_id,
        "user_id": user_id,
        "id": event_id,
    }
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidPayloadError(f"data is not JSON-serialisable: {exc}") from None


@functools.lru_cache(maxsize=64)
def _head(event: str) -> str:
    # What every body of ``event`` starts with (build_payload's key order), up to the timestamp's value.
    return f'{{"event":{json.dumps(event)},"timestamp":'


def restamp(payload: str, event: str, timestamp_ms: int) -> str:
    """The same body with ``timestamp`` set to the attempt's time.

    The seed's verifier requires the signed body's ``timestamp`` to equal the timestamp header and to be
    fresh, so a retry hours later must carry the time it is sent; ``id`` and ``data`` never change.
    """
    head = _head(event)
    if not payload.startswith(head):
        raise ValueError("payload was not built by build_payload")
    end = payload.index(",", len(head))
    return f"{head}{timestamp_ms}{payload[end:]}"


def insert_event(
    conn: sqlite3.Connection, *, account_id: int, event: str, payload: str, event_id: str, now_ms: int
) -> None:
    conn.execute(
        "INSERT INTO webhook_events (id, account_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (event_id, account_id, event, payload, now_ms),
    )


def insert_delivery(conn: sqlite3.Connection, *, event_id: str, webhook_id: int, now_ms: int) -> str:
    delivery_id = new_id("msg", now_ms)
    conn.execute(_INSERT_DELIVERY, (delivery_id, event_id, webhook_id, now_ms, now_ms, now_ms))
    return delivery_id


def emit(
    conn: sqlite3.Connection,
    *,
    account_id: int,
    company_id: str,
    user_id: str,
    event: str,
    data: Mapping[str, Any],
    now_ms: int,
) -> str:
    """Record ``event`` and one pending delivery per subscribed active webhook of the account.

    ``conn`` is the caller's write transaction: the rows commit (or roll back) with the caller's own
    writes, so once the transaction commits nothing can be lost. Validation happens before any write.
    Returns the event id (``evt_...``). Wake the dispatcher after the commit to deliver at once.
    """
    if event == TEST_EVENT:
        raise UnknownEventError(f"{TEST_EVENT!r} is sent by the test route and cannot be emitted")
    if event not in _EVENTS:
        raise UnknownEventError(f"unknown event {event!r}; expected one of the {len(_EVENTS)} catalogue events")
    if not isinstance(now_ms, int) or isinstance(now_ms, bool):
        raise InvalidPayloadError("now_ms must be integer epoch milliseconds")
    event_id = new_id("evt", now_ms)
    payload = build_payload(
        event=event, timestamp_ms=now_ms, data=data, company_id=company_id, user_id=user_id, event_id=event_id
    )
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLargeError(size, MAX_PAYLOAD_BYTES)
    insert_event(conn, account_id=account_id, event=event, payload=payload, event_id=event_id, now_ms=now_ms)
    # The subscription index (kept by triggers on ``webhooks``): O(subscribers), whatever else the account has.
    conn.execute(
        _FAN_OUT, {"now": now_ms, "event_id": event_id, "account": account_id, "event": event, "wildcard": WILDCARD}
    )
    return event_id

"""Sign and verify CortexBuild webhook deliveries (stdlib only; pydantic loads for typed events on demand).

Two schemes travel on every delivery, and :func:`verify` accepts either:

* the seed's: ``X-CortexBuild-Signature`` = lowercase hex HMAC-SHA256 of the raw body keyed with the
  secret's UTF-8 bytes. Its ``X-CortexBuild-Timestamp`` header is not signed, so :func:`verify` requires it
  to equal the body's (signed) ``timestamp`` field and to lie within the tolerance: the replay protection.
* Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id``, ``webhook-timestamp`` (seconds) and
  ``webhook-signature`` = ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, same key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets as _secrets
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk._webhook_wire import (
    _MACS,
    _SECRET_PREFIX,
    _STRINGIFY_PREFIX,
    HEADER_DELIVERY_ID,
    HEADER_EVENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_WEBHOOK_ID,
    STANDARD_ID,
    STANDARD_SIGNATURE,
    STANDARD_TIMESTAMP,
    InvalidHeaderError,
    InvalidSecretError,
    InvalidSignatureError,
    MalformedPayloadError,
    MissingHeaderError,
    TimestampOutOfToleranceError,
    WebhookVerificationError,
    _as_bytes,
    _body_timestamp,
    _digits,
    _Headers,
    _key,
    _loads,
    _Mac,
    _macs,
    _probe,
    _read,
    _signing_macs,
)

if TYPE_CHECKING:
    # Re-exported for type checkers; at run time __getattr__ loads them on first access (pydantic models).
    from cortexbuild_sdk._webhook_events import *  # noqa: F403
    from cortexbuild_sdk._webhook_events import WebhookEvent

__all__ = [
    "DEFAULT_TOLERANCE",
    "HEADER_DELIVERY_ID",
    "HEADER_EVENT",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "HEADER_WEBHOOK_ID",
    "STANDARD_ID",
    "STANDARD_SIGNATURE",
    "STANDARD_TIMESTAMP",
    "WEBHOOK_EVENT_TYPES",
    "InvalidHeaderError",
    "InvalidSecretError",
    "InvalidSignatureError",
    "MalformedPayloadError",
    "MissingHeaderError",
    "TimestampOutOfToleranceError",
    "WebhookVerificationError",
    "construct_event",
    "delivery_id",
    "parse_event",
    "sign",
    "standard_secret",
    "verify",
]

# The typed events (pydantic models) are public here but load on first access (see ``__getattr__``), so a
# receiver that only verifies signatures imports nothing beyond the standard library.
_LAZY_EVENT_NAMES: Final = (
    "BaseWebhookEvent",
    "ClientCreatedEvent",
    "ClientEventData",
    "ClientUpdatedEvent",
    "DocumentEventData",
    "DocumentSharedEvent",
    "DocumentUploadedEvent",
    "EVENT_MODELS",
    "EpochMs",
    "EventData",
    "InvoiceCreatedEvent",
    "InvoiceEventData",
    "InvoiceOverdueEvent",
    "InvoicePaidEvent",
    "InvoiceSentEvent",
    "KnownWebhookEvent",
    "ProjectCreatedEvent",
    "ProjectDeletedEvent",
    "ProjectEventData",
    "ProjectStatusChangedEvent",
    "ProjectUpdatedEvent",
    "PurchaseOrderApprovedEvent",
    "PurchaseOrderCreatedEvent",
    "PurchaseOrderEventData",
    "PurchaseOrderReceivedEvent",
    "RfiAnsweredEvent",
    "RfiClosedEvent",
    "RfiCreatedEvent",
    "RfiEventData",
    "TaskCompletedEvent",
    "TaskCreatedEvent",
    "TaskDeletedEvent",
    "TaskEventData",
    "TaskUpdatedEvent",
    "TimeEntryApprovedEvent",
    "TimeEntryCreatedEvent",
    "TimeEntryEventData",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookTestData",
    "WebhookTestEvent",
)
__all__ += _LAZY_EVENT_NAMES

WEBHOOK_EVENT_TYPES: Final = EVENT_TYPES
"""The 24 subscribable event names (``webhook.test`` is sent by the test route and is not subscribable)."""

DEFAULT_TOLERANCE: Final = 300
"""Seconds a delivery's timestamp may differ from the receiver's clock."""

# Errors are defined in the wire layer; they are this module's public API, so they say so in reprs.
for _error in (
    WebhookVerificationError,
    MissingHeaderError,
    InvalidHeaderError,
    InvalidSignatureError,
    TimestampOutOfToleranceError,
    MalformedPayloadError,
    InvalidSecretError,
):
    _error.__module__ = __name__


def standard_secret(secret: str) -> str:
    """The ``whsec_<base64>`` form of ``secret`` that Standard Webhooks libraries (and svix) expect.

    Both forms name the same HMAC key (the raw secret's UTF-8 bytes), so ``standardwebhooks.Webhook(
    standard_secret(s))`` verifies what :func:`sign` produces with ``s``.
    """
    return _SECRET_PREFIX + base64.b64encode(_key(secret)).decode("ascii")


# --- verify ----------------------------------------------------------------------------------------------


def verify(
    payload: bytes | str,
    headers: Mapping[str, str] | Any,
    secret: str | Sequence[str],
    *,
    tolerance: int | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that a delivery is genuine and fresh: return ``None`` or raise :class:`WebhookVerificationError`.

    ``payload`` is the raw request body, exactly as received (never re-serialised JSON). ``headers`` is any
    mapping-like object; names match case-insensitively. ``secret`` may be a list during a rotation: any one
    matching passes. Either form of a secret works (raw, or ``whsec_...`` from :func:`standard_secret`).
    If Standard Webhooks headers are present they are verified (id and timestamp are signed); otherwise the
    seed's scheme is, with its header timestamp bound to the body's. ``tolerance=None`` skips the clock check
    (e.g. re-verifying a stored delivery); ``now`` (epoch seconds) overrides the clock for tests.
    """
    body = payload if type(payload) is bytes else _as_bytes(payload)
    macs = _MACS.get(secret) if type(secret) is str else None
    if macs is None:
        macs = _macs(secret)
    fields = _probe(headers)
    if fields is None:
        fields = _read(headers)
    signatures, msg_id, timestamp, copy = fields
    if msg_id is not None:
        seconds = _digits(timestamp, STANDARD_TIMESTAMP)
        if copy is not None and copy != msg_id:
            # The de-dup key must be the signed one: a mismatch means the unsigned copy was altered.
            raise InvalidHeaderError(f"{HEADER_DELIVERY_ID} differs from the signed {STANDARD_ID}")
        try:
            prefix = f"{msg_id}.{timestamp}.".encode()
        except UnicodeEncodeError as exc:
            raise InvalidHeaderError(f"header {STANDARD_ID} is not encodable") from exc
        if not _standard_match(macs, prefix, body, signatures):
            raise InvalidSignatureError(f"{STANDARD_SIGNATURE} does not match the body for any secret")
        signed_ms = seconds * 1000
    else:
        if not _seed_match(macs, body, signatures):
            raise InvalidSignatureError(f"{HEADER_SIGNATURE} does not match the body for any secret")
        match = _STRINGIFY_PREFIX.match(body)  # the common case of _body_timestamp, inlined
        if match is not None and match.group(1).decode() == timestamp:
            signed_ms = int(timestamp)
        else:
            claimed_ms = _digits(timestamp, HEADER_TIMESTAMP)
            signed_ms = _body_timestamp(body)
            if signed_ms != claimed_ms:
                raise InvalidSignatureError(
                    f"{HEADER_TIMESTAMP} differs from the signed body timestamp: an altered or replayed delivery"
                )
    if tolerance is not None:
        skew_ms = signed_ms - int((time.time() if now is None else now) * 1000)
        if abs(skew_ms) > tolerance * 1000:
            raise TimestampOutOfToleranceError(_skew_message(skew_ms / 1000, tolerance))


def _seed_match(macs: tuple[_Mac, ...], body: bytes, signature: str) -> bool:
    if not signature.isascii():  # compare_digest refuses non-ASCII str; such a header never matches
        return False
    for mac in macs:
        state = mac.copy()
        state.update(body)
        if hmac.compare_digest(state.hexdigest(), signature):
            return True
    return False


def _standard_match(macs: tuple[_Mac, ...], prefix: bytes, body: bytes, signatures: str) -> bool:
    expected: list[str] = []
    whole = signatures.isascii()
    for mac in macs:
        state = mac.copy()
        state.update(prefix)
        state.update(body)
        signature = "v1," + binascii.b2a_base64(state.digest(), newline=False).decode("ascii")
        if whole and hmac.compare_digest(signature, signatures):  # the usual header: one signature
            return True
        expected.append(signature)
    candidates = [c for c in signatures.split() if c.isascii()]  # several, space-separated (rotation)
    return any(hmac.compare_digest(e, c) for e in expected for c in candidates)


def _skew_message(skew: float, tolerance: int) -> str:
    direction = "in the future" if skew > 0 else "old"
    return f"the delivery timestamp is {abs(skew):.0f}s {direction}, outside the {tolerance}s tolerance"


def delivery_id(headers: Mapping[str, str] | Any) -> str | None:
    """The delivery's de-duplication key: the same for every retry of one delivery, ``None`` if absent.

    Reads ``webhook-id`` (signed, so authentic once :func:`verify` passed), else ``X-CortexBuild-Delivery-Id``
    (unsigned when a delivery carries only the seed's headers: there, :func:`verify`'s tolerance bounds
    replays, and the verified ``X-CortexBuild-Signature`` is an alternative key). Never raises.
    """
    try:
        get = _Headers(headers)
        return get(STANDARD_ID, "Webhook-Id") or get("x-cortexbuild-delivery-id", HEADER_DELIVERY_ID) or None
    except WebhookVerificationError:
        return None


# --- typed events ----------------------------------------------------------------------------------------


def construct_event(
    payload: bytes | str,
    headers: Mapping[str, str] | Any,
    secret: str | Sequence[str],
    *,
    tolerance: int | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """:func:`verify` the delivery, then parse its body into a typed event (see :func:`parse_event`)."""
    verify(payload, headers, secret, tolerance=tolerance, now=now)
    return parse_event(payload)


def parse_event(payload: bytes | str) -> WebhookEvent:
    """Parse a body into a typed event WITHOUT verifying it: for tests and already-verified stored bodies.

    Known names give their model (e.g. ``ProjectCreatedEvent``); an unknown name gives
    ``UnknownWebhookEvent`` rather than an error. Raises :class:`MalformedPayloadError` on anything else.
    """
    if isinstance(payload, (bytearray, memoryview)):
        payload = bytes(payload)
    if not isinstance(payload, (bytes, str)):
        raise MalformedPayloadError(f"the payload must be bytes or str, not {type(payload).__name__}")
    try:
        return _validate_event_json()(payload)
    except (ValueError, RecursionError, OverflowError) as exc:  # pydantic's ValidationError is a ValueError
        raise MalformedPayloadError(f"the body is not a valid webhook event: {exc}") from exc


@cache
def _validate_event_json() -> Callable[[bytes | str], WebhookEvent]:
    # Imported on first use: building the event models is most of what pydantic costs at import time.
    from cortexbuild_sdk._webhook_events import validate_event_json

    return validate_event_json


def __getattr__(name: str) -> Any:
    # Only the event names, so that probes such as ``__wrapped__`` do not load pydantic.
    if name in _LAZY_EVENT_NAMES:
        from cortexbuild_sdk import _webhook_events

        value = getattr(_webhook_events, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_EVENT_NAMES})


# --- sign ------------------------------------------------------------------------------------------------


def sign(
    payload: bytes | str,
    secret: str | Sequence[str],
    *,
    timestamp_ms: int | None = None,
    webhook_id: int | str | None = None,
    event: str | None = None,
    delivery_id: str | None = None,
) -> dict[str, str]:
    """Every header a delivery of ``payload`` carries, signed with ``secret`` (newest first when a list).

    ``timestamp_ms`` and ``event`` default to the body's ``timestamp``/``event`` fields (then to now); a
    given ``timestamp_ms`` must equal the body's, since receivers check that they agree. ``delivery_id``
    should be the same for every retry of one delivery (it is the receivers' de-duplication key); a fresh
    ``msg_...`` id is generated when omitted. ``X-CortexBuild-Webhook-Id`` is sent only when ``webhook_id``
    is given. The seed's header can carry one signature only, so it uses the first secret; the Standard
    Webhooks header carries one per secret.
    """
    body = _as_bytes(payload)
    macs = _signing_macs(secret)
    document: object = None
    try:
        document = _loads(body)
    except (ValueError, RecursionError):
        document = None
    fields = document if isinstance(document, dict) else {}
    body_ts = fields.get("timestamp")
    if isinstance(body_ts, int) and not isinstance(body_ts, bool):
        if timestamp_ms is not None and timestamp_ms != body_ts:
            raise ValueError(f"timestamp_ms={timestamp_ms} differs from the body's timestamp {body_ts}")
        timestamp_ms = body_ts
    if timestamp_ms is None:
        timestamp_ms = int(time.time() * 1000)
    if timestamp_ms < 0:
        raise ValueError("timestamp_ms must not be negative")
    if event is None and isinstance(fields.get("event"), str):
        event = fields["event"]
    if delivery_id is None:
        delivery_id = "msg_" + _secrets.token_hex(16)
    _check_header_value(delivery_id, "delivery_id")
    if event is not None:
        _check_header_value(event, "event")
    if webhook_id is not None:
        webhook_id = str(webhook_id)
        _check_header_value(webhook_id, "webhook_id")
    seconds = str(timestamp_ms // 1000)
    prefix = f"{delivery_id}.{seconds}.".encode()
    standard = " ".join("v1," + base64.b64encode(_mac(mac, prefix, body)).decode("ascii") for mac in macs)
    headers: dict[str, str] = {}
    if event is not None:
        headers[HEADER_EVENT] = event
    headers[HEADER_SIGNATURE] = _mac(macs[0], b"", body).hex()
    headers[HEADER_TIMESTAMP] = str(timestamp_ms)
    if webhook_id is not None:
        headers[HEADER_WEBHOOK_ID] = webhook_id
    headers[HEADER_DELIVERY_ID] = delivery_id
    headers[STANDARD_ID] = delivery_id
    headers[STANDARD_TIMESTAMP] = seconds
    headers[STANDARD_SIGNATURE] = standard
    return headers


def _check_header_value(value: str, name: str) -> None:
    # Refuse what could not travel in an HTTP header (or would split one), and spaces, which separate
    # signatures in webhook-signature and would make ids ambiguous.
    if not (value and value.isascii() and value.isprintable() and " " not in value):
        raise ValueError(f"{name} must be non-empty printable ASCII without spaces")


def _mac(mac: _Mac, prefix: bytes, body: bytes) -> bytes:
    state = mac.copy()
    state.update(prefix)
    state.update(body)
    return state.digest()

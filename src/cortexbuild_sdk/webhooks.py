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
import hashlib
import hmac
import json
import re
import secrets as _secrets
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Protocol

from cortexbuild_sdk._events import EVENT_TYPES

try:
    from _hashlib import hmac_new as _openssl_hmac_new  # the OpenSSL HMAC behind hmac.new
except ImportError:  # pragma: no cover - CPython without OpenSSL, or another interpreter
    _openssl_hmac_new = None  # type: ignore[assignment]

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

WEBHOOK_EVENT_TYPES: Final = EVENT_TYPES
"""The 24 subscribable event names (``webhook.test`` is sent by the test route and is not subscribable)."""

DEFAULT_TOLERANCE: Final = 300
"""Seconds a delivery's timestamp may differ from the receiver's clock."""

HEADER_EVENT: Final = "X-CortexBuild-Event"
HEADER_SIGNATURE: Final = "X-CortexBuild-Signature"
HEADER_TIMESTAMP: Final = "X-CortexBuild-Timestamp"
HEADER_WEBHOOK_ID: Final = "X-CortexBuild-Webhook-Id"
HEADER_DELIVERY_ID: Final = "X-CortexBuild-Delivery-Id"
STANDARD_ID: Final = "webhook-id"
STANDARD_TIMESTAMP: Final = "webhook-timestamp"
STANDARD_SIGNATURE: Final = "webhook-signature"

_SECRET_PREFIX: Final = "whsec_"
_MAX_TIMESTAMP_DIGITS: Final = 20


class WebhookVerificationError(Exception):
    """A delivery could not be verified. The only exception :func:`verify`/:func:`construct_event` raise."""


class MissingHeaderError(WebhookVerificationError):
    """A required header is absent (or the headers object cannot be read)."""


class InvalidHeaderError(WebhookVerificationError):
    """A header is present but unusable (e.g. a non-numeric timestamp)."""


class InvalidSignatureError(WebhookVerificationError):
    """No signature matches any of the secrets, or the signed and claimed timestamps disagree."""


class TimestampOutOfToleranceError(WebhookVerificationError):
    """The signature is genuine but the delivery is too old or too new (a replay or a skewed clock)."""


class MalformedPayloadError(WebhookVerificationError):
    """The body is not bytes/str, not the JSON envelope the scheme needs, or not a valid event."""


class InvalidSecretError(WebhookVerificationError):
    """The secret argument is empty or not a string / list of strings."""


# --- secrets ---------------------------------------------------------------------------------------------


def standard_secret(secret: str) -> str:
    """The ``whsec_<base64>`` form of ``secret`` that Standard Webhooks libraries (and svix) expect.

    Both forms name the same HMAC key (the raw secret's UTF-8 bytes), so ``standardwebhooks.Webhook(
    standard_secret(s))`` verifies what :func:`sign` produces with ``s``.
    """
    return _SECRET_PREFIX + base64.b64encode(_key(secret)).decode("ascii")


def _key(secret: object) -> bytes:
    if not isinstance(secret, str):
        raise InvalidSecretError(f"a webhook secret must be a str, not {type(secret).__name__}")
    key: bytes | None = None
    if secret.startswith(_SECRET_PREFIX):
        rest = secret[len(_SECRET_PREFIX) :]
        try:
            key = base64.b64decode(rest + "=" * (-len(rest) % 4), validate=True)
        except (binascii.Error, ValueError):
            key = None  # not base64 after all: a raw secret that happens to start with "whsec_"
    if key is None:
        try:
            key = secret.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidSecretError("the webhook secret is not encodable as UTF-8") from exc
    if not key:
        raise InvalidSecretError("the webhook secret is empty")
    return key


class _Mac(Protocol):
    def copy(self) -> _Mac: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


def _keyed(key: bytes) -> _Mac:
    """A keyed HMAC-SHA256 state to copy per message: copying skips the key schedule, the largest fixed cost
    of an HMAC over a small body. OpenSSL's state (the one ``hmac.new`` wraps) copies without Python-level
    overhead; ``hmac.new`` is the portable fallback, producing identical MACs."""
    if _openssl_hmac_new is not None:
        try:
            return _openssl_hmac_new(key, b"", "sha256")
        except ValueError:  # e.g. a FIPS build refusing the digest name
            pass
    return hmac.new(key, digestmod=hashlib.sha256)


_MACS: dict[str, tuple[_Mac, ...]] = {}
_MACS_LIMIT: Final = 64


def _macs(secret: object) -> tuple[_Mac, ...]:
    if isinstance(secret, str):
        macs = _MACS.get(secret)
        if macs is None:
            if len(_MACS) >= _MACS_LIMIT:
                _MACS.clear()
            macs = _MACS[secret] = (_keyed(_key(secret)),)
        return macs
    if isinstance(secret, (bytes, bytearray)) or not isinstance(secret, Sequence):
        raise InvalidSecretError("the webhook secret must be a str or a list of str")
    if not secret:
        raise InvalidSecretError("the list of webhook secrets is empty")
    states: list[_Mac] = []
    for one in secret:
        if not isinstance(one, str):
            raise InvalidSecretError("every webhook secret in the list must be a str")
        states.extend(_macs(one))
    return tuple(states)


# --- headers ---------------------------------------------------------------------------------------------


def _text(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):  # raw ASGI-style header values
        return value.decode("latin-1")
    raise InvalidHeaderError(f"header {name} is not a string")


class _Headers:
    """Case-insensitive reads from any mapping-like headers object.

    Framework header objects (Starlette, Werkzeug, Django, requests) are case-insensitive and plain dicts
    usually use the spelling :func:`sign` emits, so two probes almost always settle it. A key spelled some
    other way must at least have the same length: only then is a lowered copy built.
    """

    __slots__ = ("_get", "_lengths", "_lowered", "_source")

    def __init__(self, headers: object) -> None:
        get = getattr(headers, "get", None)
        if not callable(get):
            raise MissingHeaderError("headers must be a mapping of header names to values")
        self._get = get
        self._source: Any = headers
        self._lengths: set[int] | None = None
        self._lowered: dict[str, Any] | None = None

    def __call__(self, lower: str, canonical: str) -> str | None:
        try:
            value = self._get(lower)
            if value is None:
                value = self._get(canonical)
            if value is None:
                if self._lengths is None:
                    keys = self._source.keys()  # not iter(): Werkzeug's Headers iterate as pairs
                    self._lengths = {len(k) for k in keys if isinstance(k, str)}
                if len(lower) in self._lengths:
                    if self._lowered is None:
                        items = self._source.items()
                        self._lowered = {k.lower(): v for k, v in items if isinstance(k, str)}
                    value = self._lowered.get(lower)
        except WebhookVerificationError:
            raise
        except Exception as exc:  # arbitrary user objects: never let their errors escape
            raise MissingHeaderError(f"cannot read header {canonical}") from exc
        return _text(value, canonical)


_Fields = tuple[str, "str | None", str, "str | None"]
"""(signature header, webhook-id or None for the seed scheme, timestamp header, X-CortexBuild-Delivery-Id)."""


def _probe(headers: Any) -> _Fields | None:
    """The hot path: exact-spelling reads, enough for case-insensitive header objects and for dicts spelled
    as :func:`sign` spells. ``None`` sends anything else to :func:`_read`."""
    try:
        get = headers.get
        signatures = get(STANDARD_SIGNATURE)
        if type(signatures) is str:
            msg_id, timestamp = get(STANDARD_ID), get(STANDARD_TIMESTAMP)
            copy = get(HEADER_DELIVERY_ID) or get("x-cortexbuild-delivery-id")
            if type(msg_id) is str and type(timestamp) is str and type(copy) is str and msg_id:
                return signatures, msg_id, timestamp, copy
        elif signatures is None:
            # The seed's headers only (the platform's own server sends just these). A "webhook-signature"
            # spelled another way (in a case-sensitive dict) would have the same length: then look closer.
            signature = get(HEADER_SIGNATURE) or get("x-cortexbuild-signature")
            timestamp = get(HEADER_TIMESTAMP) or get("x-cortexbuild-timestamp")
            if (
                type(signature) is str
                and type(timestamp) is str
                and len(STANDARD_SIGNATURE) not in map(len, headers.keys())
            ):
                return signature, None, timestamp, None
    except Exception:
        return None  # an unusual object: the general reader reports what is wrong with it
    return None


def _read(headers: object) -> _Fields:
    """The general, case-insensitive reader with typed errors for missing or unusable headers."""
    read = _Headers(headers)
    signatures = read(STANDARD_SIGNATURE, "Webhook-Signature")
    if signatures is not None:
        msg_id = read(STANDARD_ID, "Webhook-Id")
        timestamp = read(STANDARD_TIMESTAMP, "Webhook-Timestamp")
        if not msg_id:
            raise MissingHeaderError(f"no {STANDARD_ID} header")
        if timestamp is None:
            raise MissingHeaderError(f"no {STANDARD_TIMESTAMP} header")
        return signatures, msg_id, timestamp, read("x-cortexbuild-delivery-id", HEADER_DELIVERY_ID)
    signature = read("x-cortexbuild-signature", HEADER_SIGNATURE)
    if signature is None:
        raise MissingHeaderError(f"no {HEADER_SIGNATURE} or {STANDARD_SIGNATURE} header")
    timestamp = read("x-cortexbuild-timestamp", HEADER_TIMESTAMP)
    if timestamp is None:
        raise MissingHeaderError(f"no {HEADER_TIMESTAMP} header")
    return signature, None, timestamp, None


def _digits(value: str, name: str) -> int:
    # str.isdigit() accepts non-ASCII digits and int() accepts "_", spaces and leading zeros: be strict, so
    # one timestamp has exactly one spelling.
    if (
        0 < len(value) <= _MAX_TIMESTAMP_DIGITS
        and value.isascii()
        and value.isdigit()
        and (value[0] != "0" or value == "0")
    ):
        return int(value)
    raise InvalidHeaderError(f"header {name} must be an integer timestamp")


# --- body ------------------------------------------------------------------------------------------------


def _as_bytes(payload: object) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedPayloadError("the payload str is not encodable as UTF-8") from exc
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    raise MalformedPayloadError(f"the payload must be the raw body as bytes or str, not {type(payload).__name__}")


# The platform's JSON.stringify emits {"event":"...","timestamp":<ms>,"data":...}: read the signed timestamp
# from that prefix instead of parsing a body that may be large. Then any leading scalar members, then JSON.
_STRINGIFY_PREFIX = re.compile(rb'\{"event":"[^"\\\x00-\x1f]*","timestamp":(0|[1-9][0-9]{0,19})[,}]')
_WS = rb"[ \t\n\r]*"
_STR = rb'"(?:[^"\\\x00-\x1f]|\\.)*"'
_SCALAR = rb"(?:" + _STR + rb"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)"
_LEADING_TIMESTAMP = re.compile(
    _WS + rb"\{" + _WS + rb"(?:" + _STR + _WS + rb":" + _WS + _SCALAR + _WS + rb"," + _WS + rb")*?"
    rb'"timestamp"' + _WS + rb":" + _WS + rb"(0|[1-9][0-9]{0,19})" + _WS + rb"[,}]"
)


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(reversed(pairs))


def _loads(body: bytes) -> Any:
    """``json.loads`` where a duplicated key keeps its FIRST value, like the prefix readers above."""
    return json.loads(body, object_pairs_hook=_first_wins)


def _body_timestamp(body: bytes) -> int:
    """The body's top-level ``timestamp`` (its first occurrence; the platform never duplicates keys)."""
    match = _STRINGIFY_PREFIX.match(body) or _LEADING_TIMESTAMP.match(body)
    if match is not None:
        return int(match.group(1))
    try:
        document = _loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedPayloadError("the body is not valid JSON") from exc
    value = document.get("timestamp") if isinstance(document, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedPayloadError('the body has no integer "timestamp" field (epoch milliseconds)')
    return value


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
    # Only public class-like names, so that probes such as ``__wrapped__`` do not load pydantic.
    if name[:1].isupper():
        from cortexbuild_sdk import _webhook_events

        if name in _webhook_events.__all__:
            return getattr(_webhook_events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    macs = _macs(secret)
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

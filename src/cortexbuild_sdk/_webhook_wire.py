"""The wire layer under :mod:`cortexbuild_sdk.webhooks`: header names, errors, keyed MACs, header and body
readers. Stdlib only. Everything public here is re-exported by ``webhooks``; import it from there."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from typing import Any, Final, Protocol, cast

try:
    from _hashlib import hmac_new as _openssl_hmac_new  # the OpenSSL HMAC behind hmac.new
except ImportError:  # pragma: no cover - CPython without OpenSSL, or another interpreter
    _openssl_hmac_new = None  # type: ignore[assignment]

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


def _verification_keys(secret: str) -> tuple[bytes, ...]:
    """The key ``secret`` names, and for a ``whsec_`` secret also its literal UTF-8 bytes: a platform secret
    that merely looks like the Standard Webhooks form is what the seed's receivers key their HMAC with."""
    key = _key(secret)
    literal = secret.encode("utf-8")
    return (key,) if key == literal else (key, literal)


def _signing_macs(secret: object) -> tuple[_Mac, ...]:
    """One keyed state per secret, newest first: what :func:`sign` signs with."""
    _macs(secret)  # the same argument checks as verification, with the same errors
    secrets = [secret] if isinstance(secret, str) else cast("Sequence[str]", secret)
    return tuple(_keyed(_key(one)) for one in secrets)


def _macs(secret: object) -> tuple[_Mac, ...]:
    """Every keyed state a delivery may be verified against (see :func:`_verification_keys`)."""
    if isinstance(secret, str):
        macs = _MACS.get(secret)
        if macs is None:
            if len(_MACS) >= _MACS_LIMIT:
                _MACS.clear()
            macs = _MACS[secret] = tuple(_keyed(key) for key in _verification_keys(secret))
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

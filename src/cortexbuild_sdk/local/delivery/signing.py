"""The engine's signing fast path: the headers :func:`cortexbuild_sdk.webhooks.sign` produces, without its
per-call work the engine does not need.

``sign()`` parses the body's JSON to read ``timestamp``/``event`` and derives a keyed HMAC state per secret
on every call; the engine built the body itself (it knows both fields) and signs thousands of attempts with
the same few secrets. So the keyed states are cached per secret list (copying a keyed OpenSSL state skips
the key schedule, as verification does) and the body is never parsed. The output is byte-for-byte what
``sign()`` returns for the same arguments (a test holds the two together).
"""

from __future__ import annotations

import base64
from typing import Final

from cortexbuild_sdk._webhook_wire import (
    HEADER_DELIVERY_ID,
    HEADER_EVENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_WEBHOOK_ID,
    STANDARD_ID,
    STANDARD_SIGNATURE,
    STANDARD_TIMESTAMP,
    _Mac,
    _signing_macs,
)

__all__ = ["signed_headers"]

_CACHE_LIMIT: Final = 4096
_MACS: dict[tuple[str, ...], tuple[_Mac, ...]] = {}


def _keyed_states(secrets: tuple[str, ...]) -> tuple[_Mac, ...]:
    macs = _MACS.get(secrets)
    if macs is None:
        if len(_MACS) >= _CACHE_LIMIT:
            _MACS.clear()
        macs = _MACS[secrets] = _signing_macs(list(secrets))
    return macs


def _header_safe(value: str, name: str) -> None:
    # As sign(): nothing that could split a header or make ids ambiguous (values come from the database).
    if not (value and value.isascii() and value.isprintable() and " " not in value):
        raise ValueError(f"{name} must be non-empty printable ASCII without spaces")


def signed_headers(
    body: bytes, secrets: tuple[str, ...], *, timestamp_ms: int, webhook_id: int, event: str, delivery_id: str
) -> dict[str, str]:
    """``sign(body, list(secrets), timestamp_ms=..., webhook_id=..., event=..., delivery_id=...)`` for a body
    whose ``timestamp`` field is ``timestamp_ms`` (the engine stamps it just before)."""
    if timestamp_ms < 0:
        raise ValueError("timestamp_ms must not be negative")
    _header_safe(delivery_id, "delivery_id")
    _header_safe(event, "event")
    macs = _keyed_states(secrets)
    seconds = str(timestamp_ms // 1000)
    prefix = f"{delivery_id}.{seconds}.".encode()
    standard: list[str] = []
    for mac in macs:
        state = mac.copy()
        state.update(prefix)
        state.update(body)
        standard.append("v1," + base64.b64encode(state.digest()).decode("ascii"))
    seed = macs[0].copy()
    seed.update(body)
    return {
        HEADER_EVENT: event,
        HEADER_SIGNATURE: seed.hexdigest(),
        HEADER_TIMESTAMP: str(timestamp_ms),
        HEADER_WEBHOOK_ID: str(webhook_id),
        HEADER_DELIVERY_ID: delivery_id,
        STANDARD_ID: delivery_id,
        STANDARD_TIMESTAMP: seconds,
        STANDARD_SIGNATURE: " ".join(standard),
    }

"""Durable webhook delivery for the embedded local backend.

At-least-once delivery through a transactional outbox (``emit`` writes the event and its fan-out rows in
the caller's transaction), a leased claim (a crashed process's work becomes due again), a retry schedule
with jitter, a log row per attempt with exact counters, auto-disable, and an SSRF guard applied to the
resolved address at connect time. See ``docs/delivery.md``.
"""

from __future__ import annotations

from .attempt import DISABLED_MESSAGE, MAX_RESPONSE_BODY, TIMEOUT
from .claim import LEASE_MS
from .dispatcher import WebhookDispatcher
from .engine import DeliveryEngine
from .errors import (
    AddressNotAllowedError,
    DeliveryError,
    InvalidPayloadError,
    LogNotFoundError,
    PayloadTooLargeError,
    UnknownEventError,
    WebhookNotFoundError,
)
from .outbox import MAX_PAYLOAD_BYTES, emit
from .protocols import Clock, DatabaseLike, SendEnabled, SigningSecrets
from .schedule import JITTER, MAX_RETRY_AFTER, RETRY_SCHEDULE
from .schema import DELIVERY_SCHEMA, LOG_COLUMNS
from .secrets import sealed_signing_secrets
from .senders import available_stacks
from .ssrf import AddressPolicy, GuardedNetworkBackend, GuardedTransport
from .store import AUTO_DISABLE_AFTER

__all__ = [
    "AUTO_DISABLE_AFTER",
    "DELIVERY_SCHEMA",
    "DISABLED_MESSAGE",
    "JITTER",
    "LEASE_MS",
    "LOG_COLUMNS",
    "MAX_PAYLOAD_BYTES",
    "MAX_RESPONSE_BODY",
    "MAX_RETRY_AFTER",
    "RETRY_SCHEDULE",
    "TIMEOUT",
    "AddressNotAllowedError",
    "AddressPolicy",
    "Clock",
    "DatabaseLike",
    "DeliveryEngine",
    "DeliveryError",
    "GuardedNetworkBackend",
    "GuardedTransport",
    "InvalidPayloadError",
    "LogNotFoundError",
    "PayloadTooLargeError",
    "SendEnabled",
    "SigningSecrets",
    "UnknownEventError",
    "WebhookDispatcher",
    "WebhookNotFoundError",
    "available_stacks",
    "emit",
    "sealed_signing_secrets",
]

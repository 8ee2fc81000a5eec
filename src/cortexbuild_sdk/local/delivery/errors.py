"""Typed errors raised by the delivery engine. Every one subclasses :class:`DeliveryError`."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class of every error the delivery engine raises on bad input."""


class UnknownEventError(DeliveryError, ValueError):
    """The event name is not in the catalogue (``webhook.test`` is internal and cannot be emitted)."""


class InvalidPayloadError(DeliveryError, ValueError):
    """``data`` is not a JSON object, or holds values JSON cannot encode (NaN, sets, objects...)."""


class PayloadTooLargeError(DeliveryError, ValueError):
    """The serialised body exceeds :data:`MAX_PAYLOAD_BYTES`."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"webhook payload is {size} bytes; the limit is {limit} bytes")
        self.size = size
        self.limit = limit


class WebhookNotFoundError(DeliveryError, LookupError):
    """No webhook with that id."""


class LogNotFoundError(DeliveryError, LookupError):
    """No delivery log with that id for that webhook."""


class AddressNotAllowedError(DeliveryError, OSError):
    """The SSRF policy refused every address the endpoint's host resolved to."""

"""``Retry-After`` (seconds or an HTTP date) and ``Retry-After-Ms``, read the same way everywhere.

The client and the local delivery engine both read the header here: the client leniently (fractional
seconds, as some servers send them), the engine strictly (RFC 9110 delta-seconds or a GMT date, never
negative), because a receiver's answer steers its schedule.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping

__all__ = ["parse_retry_after", "retry_after_seconds"]


def retry_after_seconds(value: str | None, now: float, *, strict: bool = False) -> float | None:
    """One ``Retry-After`` value as seconds from ``now`` (epoch seconds); None when absent or unreadable.

    ``strict``: only digits or a dated form with a zone, and a date in the past is 0 rather than negative.
    """
    if value is None:
        return None
    value = value.strip()
    if strict:
        if value.isascii() and value.isdigit():  # ASCII only: str.isdigit() takes "²", which float() refuses
            return float(value)
    else:
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if strict and when.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means "-0000"
        return None
    delta = when.timestamp() - now
    return max(0.0, delta) if strict else delta


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait as the server asks, or None when it does not say (or says it unreadably)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    return retry_after_seconds(headers.get("retry-after"), time.time())

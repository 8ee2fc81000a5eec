"""Retry schedule, jitter and ``Retry-After`` parsing (pure functions; times in seconds)."""

from __future__ import annotations

import random
from typing import Final

from cortexbuild_sdk._retry_after import retry_after_seconds

RETRY_SCHEDULE: Final[tuple[float, ...]] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
"""Delay before attempt ``n + 1``: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts)."""

JITTER: Final = 0.2
"""Each delay is multiplied by a uniform factor in ``[1 - JITTER, 1 + JITTER]``."""

MAX_RETRY_AFTER: Final = 36000.0
"""A ``Retry-After`` longer than the schedule is honoured up to this many seconds (the longest step)."""


def next_delay(scheduled_attempts: int, rng: random.Random, retry_after: float | None = None) -> float | None:
    """Seconds to wait after ``scheduled_attempts`` failed automatic attempts, or None when exhausted."""
    if scheduled_attempts < 1:
        return 0.0
    if scheduled_attempts >= len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[scheduled_attempts] * rng.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, MAX_RETRY_AFTER)
    return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None when absent or invalid."""
    return retry_after_seconds(value, now, strict=True)

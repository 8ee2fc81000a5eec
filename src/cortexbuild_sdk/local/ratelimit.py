"""Token-bucket rate limiting per API key and route group, with a temporary block for repeated abuse.

State lives in memory, so limits are per backend object (per process). Time comes from the backend's clock,
so tests drive refills with a ``ManualClock``.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Bucket", "Decision", "RateLimitConfig", "RateLimiter"]


@dataclass(frozen=True)
class Bucket:
    """``capacity`` requests in a burst, refilled at ``refill_per_second``."""

    capacity: int
    refill_per_second: float

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.refill_per_second <= 0:
            raise ValueError("a bucket needs capacity >= 1 and refill_per_second > 0")


@dataclass(frozen=True)
class RateLimitConfig:
    """Generous by default: 1,000-request bursts refilling at 500/s per key and group.

    ``groups`` overrides the bucket of a route group (``integrations``, ``webhooks``, ``keys``, ``sandboxes``,
    ``usage``, ``marketplace``). A key refused ``block_after`` times within ``block_window`` seconds is refused
    everywhere for ``block_seconds``.
    """

    enabled: bool = True
    default: Bucket = Bucket(1000, 500.0)
    groups: Mapping[str, Bucket] = field(default_factory=dict)
    block_after: int = 100
    block_window: float = 60.0
    block_seconds: float = 300.0

    @classmethod
    def disabled(cls) -> RateLimitConfig:
        return cls(enabled=False)

    def bucket(self, group: str) -> Bucket:
        return self.groups.get(group, self.default)


class Decision(NamedTuple):
    """Immutable; a tuple because one is built per request (a frozen dataclass costs several times more)."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the bucket is full again
    retry_after: int  # seconds until a request can succeed (0 when allowed)
    blocked: bool = False

    def headers(self) -> dict[str, str]:
        out = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
        }
        if not self.allowed:
            out["retry-after"] = str(self.retry_after)
        return out


class RateLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._buckets: dict[tuple[int, str], tuple[float, float]] = {}  # (key, group) -> (tokens, at)
        self._refusals: dict[int, deque[float]] = {}
        self._blocked_until: dict[int, float] = {}

    def check(self, key_id: int, group: str, now: float) -> Decision | None:
        """Take one token; None when rate limiting is disabled."""
        cfg = self.config
        if not cfg.enabled:
            return None
        bucket = cfg.bucket(group)
        cap, rate = bucket.capacity, bucket.refill_per_second
        with self._lock:
            until = self._blocked_until.get(key_id)
            if until is not None:
                if now < until:
                    wait = max(1, math.ceil(until - now))
                    return Decision(False, cap, 0, wait, wait, blocked=True)
                del self._blocked_until[key_id]
                self._refusals.pop(key_id, None)
            tokens, at = self._buckets.get((key_id, group), (float(cap), now))
            tokens = min(float(cap), tokens + max(0.0, now - at) * rate)
            if tokens >= 1.0:
                tokens -= 1.0
                self._buckets[(key_id, group)] = (tokens, now)
                return Decision(True, cap, int(tokens), math.ceil((cap - tokens) / rate), 0)
            self._buckets[(key_id, group)] = (tokens, now)
            retry = max(1, math.ceil((1.0 - tokens) / rate))
            if self._note_refusal(key_id, now):
                wait = max(1, math.ceil(cfg.block_seconds))
                return Decision(False, cap, 0, wait, wait, blocked=True)
            return Decision(False, cap, 0, math.ceil((cap - tokens) / rate), retry)

    def _note_refusal(self, key_id: int, now: float) -> bool:
        cfg = self.config
        times = self._refusals.setdefault(key_id, deque())
        times.append(now)
        while times and times[0] <= now - cfg.block_window:
            times.popleft()
        if len(times) >= cfg.block_after:
            self._blocked_until[key_id] = now + cfg.block_seconds
            times.clear()
            return True
        return False

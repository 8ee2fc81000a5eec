"""Injectable clocks: the backend reads time only through one of these, so tests can move it."""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "now_ms"]


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Epoch seconds."""
        ...


class SystemClock:
    """Wall-clock time (``time.time()``)."""

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; thread-safe. Starts at ``start`` (default: the current time)."""

    def __init__(self, start: float | None = None) -> None:
        self._t = float(time.time() if start is None else start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward; use set() to jump")
        with self._lock:
            self._t += float(seconds)
            return self._t

    def set(self, t: float) -> None:
        with self._lock:
            self._t = float(t)

    def __repr__(self) -> str:
        return f"ManualClock({self._t!r})"


def now_ms(clock: Clock) -> int:
    """The clock's time as integer epoch milliseconds (the storage unit of every timestamp)."""
    return int(clock.now() * 1000)

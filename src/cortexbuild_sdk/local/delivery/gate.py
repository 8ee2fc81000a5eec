"""Orders one engine's own write transactions so an emit never waits behind the dispatcher's backlog.

A caller's emit (someone is waiting) goes before the dispatcher's next claim or record batch, and both
wait on a condition variable rather than in SQLite's busy handler, which sleeps in steps of 1 to 100 ms
when the write lock is taken. Other writers (services in their own transactions, other processes)
still meet the engine through SQLite's lock as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WriteGate"]


class WriteGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._urgent = 0

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """For a caller's write: next in line, ahead of background work."""
        with self._cond:
            self._urgent += 1
            try:
                while self._busy:
                    self._cond.wait()
            finally:
                self._urgent -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def background(self) -> Iterator[None]:
        """For the dispatcher's claims and records: only when no caller is waiting."""
        with self._cond:
            while self._busy or self._urgent:
                self._cond.wait()
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def background_within(self, seconds: float) -> Iterator[bool]:
        """``background()`` for the event loop's thread, which must not block: waits at most ``seconds``
        and yields whether the gate is held (``False``: the caller does its work elsewhere)."""
        with self._cond:
            held = self._cond.wait_for(lambda: not (self._busy or self._urgent), seconds)
            if held:
                self._busy = True
        try:
            yield held
        finally:
            if held:
                self._release()

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()

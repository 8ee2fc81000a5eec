"""The backend's timer for clock-driven domain changes: invoices whose due date has passed become overdue.

A daemon thread runs :func:`~.services.invoices.mark_overdue` on the live store and every open sandbox
database each ``interval`` seconds (an index probe when nothing is due). ``Backend.drain()`` also runs it
first, so with a ``ManualClock`` ``advance()`` + ``drain()`` makes ``invoice.overdue`` fire and arrive; and
invoice reads run it for their own database, so no caller ever sees a stale ``sent``.
"""

from __future__ import annotations

import logging
import threading

from .sandbox_files import SandboxFiles
from .services.context import LIVE, Environment, Runtime
from .services.invoices import mark_overdue

__all__ = ["OverdueScanner"]

_log = logging.getLogger("cortexbuild_sdk.local")


class OverdueScanner:
    def __init__(self, rt: Runtime, *, interval: float = 5.0) -> None:
        self._rt = rt
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def environments(self) -> list[Environment]:
        envs = [Environment(LIVE, self._rt.db)]
        for sandbox_id, db in sorted(self._rt.sandboxes.databases().items()):
            if not db.closed:
                envs.append(Environment(SandboxFiles.environment(sandbox_id), db, sandbox_id))
        return envs

    def scan(self) -> int:
        """One pass over every open database; how many invoices went overdue."""
        with self._lock:  # one pass at a time: the timer and drain() never race each other
            return sum(mark_overdue(self._rt, env) for env in self.environments())

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cortexbuild-overdue", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.scan()
            except Exception:  # a failing pass is logged and retried next tick, never kills the timer
                _log.exception("local backend: overdue scan failed")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

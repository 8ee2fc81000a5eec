"""Background WAL checkpoints for a :class:`~cortexbuild_sdk.local.store.Database`.

A checkpoint copies pages into the database file and syncs twice (milliseconds to tens of them); left to
SQLite it runs inside whichever commit crosses the threshold, so an unlucky request or emit pays for
everyone's writes. A passive checkpoint never blocks writers or readers; several processes may run one each
(SQLite serialises them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["CHECKPOINT_INTERVAL_S", "IDLE_EXIT_S", "Checkpointer"]

logger = logging.getLogger("cortexbuild_sdk.local")

CHECKPOINT_INTERVAL_S = 0.1
"""Seconds between background checkpoints while writes keep coming."""
IDLE_EXIT_S = 5.0
"""Seconds without a write after which the thread ends (closing its connection): a process holding many
databases (one per sandbox) keeps a thread only for those being written; the next commit starts a new one."""


class Checkpointer:
    """Runs ``checkpoint`` from its own daemon thread a moment after writes committed.

    ``checkpoint`` runs one passive checkpoint on the calling thread's connection; ``release`` closes that
    connection and is called by the thread as it ends.
    """

    def __init__(self, checkpoint: Callable[[], None], release: Callable[[], None]) -> None:
        self._checkpoint = checkpoint
        self._release = release
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None  # the one that will see the next write
        self._alive: set[threading.Thread] = set()  # every thread not yet finished, the one ending included
        self._lock = threading.Lock()

    def written(self) -> None:
        """Called after every commit: cheap when the thread runs (an event set and an attribute read)."""
        self._dirty.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping.is_set():
                    thread = threading.Thread(target=self._run, name="cortexbuild-checkpoint", daemon=True)
                    self._thread = thread
                    self._alive.add(thread)
                    thread.start()

    def _run(self) -> None:
        me = threading.current_thread()
        try:
            while self._serving(me):
                if self._stopping.wait(CHECKPOINT_INTERVAL_S):  # a burst of commits: one checkpoint
                    return
                self._dirty.clear()
                try:
                    self._checkpoint()
                except Exception:  # busy, or the file is gone: the next write (or SQLite's backstop) checkpoints
                    logger.debug("background WAL checkpoint failed", exc_info=True)
        finally:
            try:
                self._release()  # its own connection, closed by its own thread
            finally:
                with self._lock:
                    self._alive.discard(me)

    def _serving(self, me: threading.Thread) -> bool:
        """Wait for a write; False once stopping, or once idle and no longer the serving thread."""
        while not self._dirty.wait(IDLE_EXIT_S):
            with self._lock:
                if self._dirty.is_set():  # a write raced the timeout: serve it
                    continue
                self._thread = None  # from here a write starts a new thread ...
            # ... unless it set the flag before reading ``_thread``, saw this one and left: take it back.
            if not self._dirty.is_set():
                return False
            with self._lock:
                if self._thread is not None or self._stopping.is_set():
                    return False  # a new thread took over
                self._thread = me
        return not self._stopping.is_set()

    def stop(self) -> None:
        """Stop every thread and wait for them: a connection must never be closed under a running checkpoint."""
        with self._lock:
            self._stopping.set()
            self._dirty.set()
            threads = [t for t in self._alive if t is not threading.current_thread()]
        for thread in threads:
            thread.join(30)

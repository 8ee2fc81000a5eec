"""One thread for an engine's SQLite work, with a fast lane.

Claims and records are queued in order; an emit (a caller waiting on ``engine.emit``) jumps the queue,
so emitting stays quick while the dispatcher keeps the database busy (it waits for at most the one job
running, never for the backlog of claims and record batches).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["DbThread"]


class DbThread:
    def __init__(self, name: str) -> None:
        self._name = name
        self._urgent: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._normal: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., T], *args: Any, urgent: bool = False) -> Future[T]:
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the delivery database thread is shut down")
            (self._urgent if urgent else self._normal).append((future, fn, args))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._urgent and not self._normal:
                    if self._closed:
                        return
                    self._ready.wait()
                future, fn, args = (self._urgent or self._normal).popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the waiter, like concurrent.futures does
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

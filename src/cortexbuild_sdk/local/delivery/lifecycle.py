"""The dispatcher's thread and loop: start, stop, wake, drain, and running coroutines on its loop.

``start()`` runs the loop in a daemon thread. Without ``start()``, ``drain()`` and ``run()`` serve on a
private loop on the engine's database thread, until the work is done (what tests on a manual clock use).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from . import attempt as attempt_module
from .loops import run_loop
from .transactions import EngineTransactions

__all__ = ["DispatcherLifecycle"]

T = TypeVar("T")


class DispatcherLifecycle(EngineTransactions):
    """Thread-safe control of the dispatcher's loop; the dispatcher supplies what runs on it."""

    _lock: threading.Lock  # serialises start/stop and private-loop runs
    _thread: threading.Thread | None
    _loop: asyncio.AbstractEventLoop | None
    _started: threading.Event
    _wake_requested: bool  # coalesces notify(): one queued wake-up at a time
    _stopping: bool
    _grace: float
    _wakeup: asyncio.Event | None
    _waiters: list[asyncio.Future[None]]

    async def _with_client(self, factory: Callable[[], Awaitable[T]], *, background: bool) -> T:
        raise NotImplementedError

    async def _serve(self, *, until_idle: bool) -> None:
        raise NotImplementedError

    # -- public, thread-safe -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        with self._lock:
            if self.running:
                return
            self._started.clear()
            self._thread = threading.Thread(target=self._thread_main, name="cortexbuild-delivery", daemon=True)
            self._thread.start()
            self._started.wait()

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming, let in-flight attempts finish (up to ``timeout``), record them, close."""
        if timeout is None:
            timeout = attempt_module.TIMEOUT + 5
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None:
                return
            loop.call_soon_threadsafe(self._begin_stop, timeout)
            thread.join(timeout + 5)
            self._thread = None

    def close(self) -> None:
        """Stop and release the database thread."""
        self.stop()
        if self._db_thread is not None:
            with contextlib.suppress(RuntimeError):  # closed before: the pool takes no more work
                self._db_pool.submit(self._end_thread_connection)
        self._db_pool.shutdown(wait=True)

    def notify(self) -> None:
        """Tell the dispatcher that rows may be due (call after committing an emit). Cheap, thread-safe."""
        loop = self._loop
        if loop is None or self._wake_requested or not self.running:
            return  # a wake-up already queued runs after this caller's commit: it sees the new rows
        self._wake_requested = True
        loop.call_soon_threadsafe(self._wake_from_notify)

    def drain(self, timeout: float = 60.0) -> None:
        """Block until no delivery is due now and every attempt so far is recorded.

        With a manual clock, ``clock.advance(s)`` then ``drain()`` runs exactly what fell due. Raises
        ``TimeoutError`` if the work does not finish in ``timeout`` seconds.
        """
        self.run(self._until_idle, timeout=timeout)

    async def adrain(self, timeout: float = 60.0) -> None:
        """``drain()`` for async callers: the wait happens on another thread, not on the caller's loop."""
        await asyncio.get_running_loop().run_in_executor(None, lambda: self.drain(timeout))

    def run(self, factory: Callable[[], Awaitable[T]], *, timeout: float) -> T:
        """Run a coroutine on the dispatcher's loop (or a private one when not started) and wait for it."""
        loop = self._loop
        if loop is not None and self.running:
            future = asyncio.run_coroutine_threadsafe(_call(factory), loop)
            try:
                return future.result(timeout)
            except TimeoutError:
                future.cancel()
                raise TimeoutError(f"webhook delivery did not finish within {timeout:g} s") from None
        with self._lock:  # on the database thread: the private loop's transactions run there, inline
            return self._db_pool.submit(run_loop, self._private(factory)).result()

    def _thread_main(self) -> None:
        run_loop(self._with_client(lambda: self._serve(until_idle=False), background=True))

    async def _private(self, factory: Callable[[], Awaitable[T]]) -> T:
        return await self._with_client(factory, background=False)

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def _wake_from_notify(self) -> None:
        self._wake_requested = False
        self._wake()

    def _begin_stop(self, grace: float) -> None:
        self._stopping, self._grace = True, grace
        self._wake()

    async def _until_idle(self) -> None:
        if self._loop is None:  # private loop: serve until idle, then return
            await self._serve(until_idle=True)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake()
        await waiter


async def _call(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()

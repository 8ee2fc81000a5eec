"""The engine's write transactions: a claim (with the results recorded along with it when there are any),
a record batch alone, or giving back leases at a clean stop. Each waits behind a caller's emit
(:class:`~.gate.WriteGate`) and runs in one ``BEGIN IMMEDIATE`` transaction.

Where they run: on the event loop's own thread whenever the write lock is free *now*, else on the engine's
database thread, which may wait for it. Inline is the fast path because every SQLite call releases the GIL:
a second thread doing the same transaction must win the GIL back from the busy loop after every statement,
and waits up to the interpreter's switch interval (5 ms) each time; inline, nothing competes for it. The
loop never waits for the lock, so another writer (a process, a long service transaction) cannot stall
in-flight HTTP: the loop's connection has no busy timeout and a locked database sends the work to the
database thread instead.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeVar

from .attempt import Outcome
from .claim import Claim, Limits, TokenBuckets, claim
from .gate import WriteGate
from .protocols import Clock, DatabaseLike, SigningSecrets, now_ms
from .store import record, release

__all__ = ["DEPTH", "EngineTransactions"]

T = TypeVar("T")
logger = logging.getLogger("cortexbuild_sdk.local.delivery")

DEPTH: Final = 2
"""Claimed rows held per slot (in flight + queued), so claims come in large batches."""

GATE_WAIT: Final = 0.002
"""Seconds the loop waits for a caller's emit to finish before handing its transaction to the database thread."""

_CACHE_PAGES: Final = -16384  # 16 MiB: the claim and record indexes stay cached


def _locked(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return "locked" in str(exc) or "busy" in str(exc)


class EngineTransactions:
    """Mixed into the dispatcher, which sets these attributes."""

    db: DatabaseLike
    clock: Clock
    _gate: WriteGate
    _owner: str
    _rng: random.Random
    _secrets: SigningSecrets
    _buckets: TokenBuckets
    _per_endpoint: int
    _account_cap: int
    _lease_ms: int
    _db_pool: ThreadPoolExecutor
    _db_thread: int | None  # ident of the database thread
    _inline: bool  # the running loop's thread may run transactions itself

    # -- where a transaction runs ---------------------------------------------------------------------

    def _tune_connection(self, *, wait: bool = True) -> None:
        """Settings of an engine thread's own connection (the database thread's, or the loop's)."""
        try:
            with self.db.read() as conn:
                # Multi-row statements inside savepoints keep statement journals: in memory, not a temp file.
                conn.execute("PRAGMA temp_store = MEMORY")
                conn.execute(f"PRAGMA cache_size = {_CACHE_PAGES}")
                if not wait:
                    conn.execute("PRAGMA busy_timeout = 0")  # a locked database answers at once
                    conn.execute("PRAGMA wal_autocheckpoint = 0")  # a checkpoint syncs: never on the loop
        except Exception:  # a host database that cannot open here yet: the first real call reports it
            logger.debug("could not tune the delivery thread's connection", exc_info=True)

    def _end_thread_connection(self) -> None:
        """An engine thread that ends closes its connection (a host database without the method keeps it)."""
        close = getattr(self.db, "close_thread_connection", None)
        if close is not None:
            close()

    def _start_db_thread(self) -> None:
        self._db_thread = threading.get_ident()
        self._tune_connection()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking ``fn`` on the database thread (at once when this already is that thread)."""
        if threading.get_ident() == self._db_thread:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    async def _transact(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """``body`` in one engine write transaction: inline when the lock is free now, else on the database thread."""
        if self._inline:
            with self._gate.background_within(GATE_WAIT) as held:
                if held:
                    entered = False
                    try:
                        with self.db.write() as conn:
                            entered = True
                            return body(conn)
                    except sqlite3.OperationalError as exc:
                        if entered or not _locked(exc):
                            raise
        return await self._db(self._blocking, body)

    def _blocking(self, body: Callable[[sqlite3.Connection], T]) -> T:
        with self._gate.background(), self.db.write() as conn:
            return body(conn)

    # -- the transactions ---------------------------------------------------------------------------

    def _claim_tx(
        self,
        conn: sqlite3.Connection,
        limit: int,
        busy: dict[int, int],
        account_busy: dict[int, int],
        outcomes: list[Outcome],
    ) -> Claim:
        if outcomes:
            record(conn, outcomes, owner=self._owner, rng=self._rng)
        return claim(
            conn,
            owner=self._owner,
            now_ms=now_ms(self.clock),
            # An endpoint's share is what it holds (in flight + queued), as before the queue: a webhook disabled by
            # a result never has more than that still to send. An account may queue past its slots.
            limits=Limits(limit, self._per_endpoint, self._account_cap * DEPTH),
            busy=busy,
            account_busy=account_busy,
            buckets=self._buckets,
            secrets=self._secrets,
            lease_ms=self._lease_ms,
        )

    def _record_tx(self, conn: sqlite3.Connection, outcomes: list[Outcome]) -> list[int]:
        return record(conn, outcomes, owner=self._owner, rng=self._rng)

    def _release_tx(self, conn: sqlite3.Connection, delivery_ids: list[str]) -> None:
        release(conn, self._owner, delivery_ids, now_ms(self.clock))

    def _record_sync(self, outcomes: list[Outcome]) -> list[int]:
        """Record on the calling thread, waiting for the lock (the database thread's form)."""
        return self._blocking(lambda conn: self._record_tx(conn, outcomes))

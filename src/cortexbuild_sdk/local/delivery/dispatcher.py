"""The dispatcher: an asyncio loop (uvloop when installed) in one daemon thread that claims due
deliveries and sends them.

Its write transactions run on the loop's thread while the database's write lock is free, and on the
engine's database thread when it is not (:mod:`.transactions`), so a busy database never stalls in-flight
HTTP. Claims take up to twice the slots' worth of rows into a queue (:mod:`.slots`) that feeds slots as
they free, so one claim transaction serves dozens of attempts; results are recorded in batches, in the
claim's own transaction whenever one is due. Thread and loop control is in :mod:`.lifecycle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Final, TypeVar

import httpx

from . import attempt as attempt_module
from .attempt import Deadlines, Job, Outcome, Sender, attempt
from .claim import LEASE_MS, Claim, TokenBuckets
from .gate import WriteGate
from .lifecycle import DispatcherLifecycle
from .protocols import Clock, DatabaseLike, SendEnabled, SigningSecrets, now_ms
from .senders import make_sender
from .slots import ClaimedQueue
from .ssrf import AddressPolicy
from .transactions import DEPTH

T = TypeVar("T")
logger = logging.getLogger("cortexbuild_sdk.local.delivery")

_RECORD_BATCH: Final = 256
_RECORD_LINGER: Final = 0.005  # seconds a small batch waits for more results while attempts are in flight


class WebhookDispatcher(DispatcherLifecycle):
    """Claims due deliveries under a lease and delivers them with global and per-endpoint limits.

    ``start()`` runs it in a daemon thread; ``stop()`` finishes in-flight attempts and records them;
    ``drain()`` blocks until nothing is due now (it works without ``start()`` too, on a private loop).
    """

    def __init__(
        self,
        db: DatabaseLike,
        *,
        clock: Clock,
        signing_secrets: SigningSecrets,
        policy: AddressPolicy | None = None,
        concurrency: int = 64,
        per_endpoint: int = 8,
        send_enabled: bool | SendEnabled = True,
        poll_interval: float = 0.5,
        rng: random.Random | None = None,
        verify_tls: bool = True,
        lease_ms: int = LEASE_MS,
        http_stack: str | None = None,
    ) -> None:
        if concurrency < 1 or per_endpoint < 1:
            raise ValueError("concurrency and per_endpoint must be at least 1")
        if lease_ms <= 0:
            raise ValueError("lease_ms must be positive")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        if http_stack not in (None, "httptools", "httpx"):
            raise ValueError(f"unknown HTTP stack {http_stack!r}; expected 'httptools', 'httpx' or None")
        self.db = db
        self.clock = clock
        self.policy = policy if policy is not None else AddressPolicy()
        self._secrets = signing_secrets
        self._concurrency = concurrency
        self._per_endpoint = per_endpoint
        self._send_enabled = send_enabled
        self._poll = poll_interval
        self._rng = rng if rng is not None else random.Random()
        self._verify_tls = verify_tls
        self._lease_ms = lease_ms
        # Claim once half the slots' worth of room is free: one transaction per ~32 rows, not per 8, while
        # a queue of claimed rows keeps every slot busy (launching from it needs no database).
        self._claim_batch = max(1, concurrency // 2)
        # Slots one account may hold: a quarter stays free for the others (when there are enough slots).
        self._account_cap = max(per_endpoint, concurrency - concurrency // 4)
        self._http_stack = http_stack
        self._owner = f"{uuid.uuid4().hex[:12]}"
        self._db_thread: int | None = None
        self._inline = False
        self._db_pool = ThreadPoolExecutor(
            1, thread_name_prefix="cortexbuild-delivery-db", initializer=self._start_db_thread
        )
        self._buckets = TokenBuckets()
        self._gate = WriteGate()
        self._wake_requested = False  # coalesces notify(): one queued wake-up at a time
        self._lock = threading.Lock()  # serialises start/stop and private-loop runs
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._reset()

    # -- loop side ---------------------------------------------------------------------------------

    @property
    def http_stack(self) -> str:
        """The HTTP stack attempts use (``httptools`` with the ``delivery`` extra, else ``httpx``)."""
        from .senders import available_stacks

        return self._http_stack or available_stacks()[0]

    def _reset(self) -> None:
        self._sender: Sender | None = None
        self._deadlines = Deadlines()
        self._ssl: ssl.SSLContext | None = None
        self._stopping = False
        self._closing = False
        self._wake_requested = False
        self._grace = attempt_module.TIMEOUT + 5
        self._tasks: dict[asyncio.Task[None], Job] = {}
        self._busy: dict[int, int] = {}  # in flight, per webhook
        self._account_busy: dict[int, int] = {}
        self._queue = ClaimedQueue()  # claimed, not yet launched
        self._running = 0  # attempts in flight
        self._claiming = False  # a claim transaction is under way (one at a time)
        self._unrecorded = 0
        self._results: list[Outcome] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._wakeup: asyncio.Event | None = None
        self._results_ready: asyncio.Event | None = None

    async def _with_client(self, factory: Callable[[], Awaitable[T]], *, background: bool) -> T:
        self._reset()
        self._wakeup, self._results_ready = asyncio.Event(), asyncio.Event()
        self._ssl = httpx.create_ssl_context(self._verify_tls, trust_env=False)
        self._sender = make_sender(
            self.http_stack, self.policy, self._ssl, concurrency=self._concurrency, per_endpoint=self._per_endpoint
        )
        writer = asyncio.create_task(self._writer())
        if background:
            self._tune_connection(wait=False)
            self._inline = True
            self._loop = asyncio.get_running_loop()
            self._started.set()
        try:
            return await factory()
        finally:
            self._loop = None
            await self._finish(writer)
            if self._inline:  # the loop's thread ends with it
                self._inline = False
                self._end_thread_connection()

    async def _serve(self, *, until_idle: bool) -> None:
        assert self._wakeup is not None
        capacity_total = self._concurrency * DEPTH
        while not self._stopping:
            self._wakeup.clear()
            waiters, self._waiters = self._waiters, []
            self._pump()
            room = capacity_total - self._running - self._queue.count
            if self._claiming or (self._queue.count and room < self._claim_batch):
                # Claim in batches: the queue feeds the slots until half the room is free again (or the
                # writer is claiming along with its record batch).
                self._waiters.extend(waiters)
                await self._sleep(None)
                continue
            # Results waiting to be recorded go in the claim's transaction: one commit instead of two, and the
            # index pages both touch are written once.
            batch: list[Outcome] = []
            if room > 0:
                batch, self._results = self._results[:_RECORD_BATCH], self._results[_RECORD_BATCH:]
            try:
                result = await self._claim(room, batch) if room > 0 else Claim([], 0, None)
            except Exception:
                logger.exception("claiming webhook deliveries failed; retrying after the poll interval")
                if batch:  # the writer records them on their own
                    self._results[:0] = batch
                    assert self._results_ready is not None
                    self._results_ready.set()
                self._waiters.extend(waiters)
                await self._sleep(None)
                continue
            self._unrecorded -= len(batch)
            if not result.jobs and not result.deferred and self._unrecorded == 0 and not self._queue.count:
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                if until_idle:
                    return
            else:
                self._waiters.extend(waiters)
            room = capacity_total - self._running - self._queue.count
            if result.deferred or (result.jobs and room >= self._claim_batch):
                continue
            await self._sleep(result.next_due_ms)

    def _claim_room(self) -> int:
        """Rows to claim now: 0 while the queue still has more than half the room filled."""
        if self._stopping or self._claiming:
            return 0
        room = self._concurrency * DEPTH - self._running - self._queue.count
        return room if room >= self._claim_batch or not self._queue.count else 0

    async def _claim(self, room: int, outcomes: list[Outcome]) -> Claim:
        """Record ``outcomes`` and claim up to ``room`` rows in one transaction; queue and launch what came.

        One claim at a time: the fairness caps count what is held, so a second claim must see the first's."""
        busy, account_busy = self._queue.snapshot()
        self._claiming = True
        try:
            result = await self._transact(lambda conn: self._claim_tx(conn, room, busy, account_busy, outcomes))
        finally:
            self._claiming = False
        self._queue.add(result.jobs, now_ms(self.clock) + self._lease_ms // 2)  # later, the lease could expire
        self._pump()
        return result

    async def _sleep(self, next_due_ms: int | None) -> None:
        assert self._wakeup is not None
        timeout = self._poll
        if next_due_ms is not None:
            ahead = (next_due_ms - now_ms(self.clock)) / 1000
            if ahead > 0:  # due rows that could not be claimed wait for a wake-up (a slot frees)
                timeout = min(timeout, ahead)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)

    def _pump(self) -> None:
        """Launch queued jobs into free slots, round-robin over endpoints, within the per-endpoint and
        per-account slot limits (the claim applied the same caps to what it queued)."""
        while not self._stopping and self._running < self._concurrency:
            item = self._queue.pop(self._fits)
            if item is None:
                return
            job, launch_by = item
            if now_ms(self.clock) > launch_by:  # queued too long: left to its lease (due again when it ends)
                self._queue.release(job)
                continue
            self._launch(job)

    def _fits(self, webhook_id: int, account_id: int) -> bool:
        return (
            self._busy.get(webhook_id, 0) < self._per_endpoint
            and self._account_busy.get(account_id, 0) < self._account_cap
        )

    def _launch(self, job: Job) -> None:
        self._busy[job.webhook_id] = self._busy.get(job.webhook_id, 0) + 1
        self._account_busy[job.account_id] = self._account_busy.get(job.account_id, 0) + 1
        self._unrecorded += 1
        self._running += 1
        task = asyncio.create_task(self._deliver(job))
        self._tasks[task] = job
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    def _sending(self) -> bool:
        enabled = self._send_enabled
        return enabled if isinstance(enabled, bool) else bool(enabled())

    async def send(self, job: Job) -> Outcome:
        """One attempt of ``job`` with this dispatcher's transport, clock and sandbox flag (not recorded)."""
        assert self._sender is not None
        return await attempt(
            self._sender,
            job,
            now_ms=now_ms(self.clock),
            wall=time.time(),
            send=self._sending(),
            deadlines=self._deadlines,
        )

    async def _deliver(self, job: Job) -> None:
        try:
            outcome = await self.send(job)
        finally:
            self._busy[job.webhook_id] -= 1
            self._account_busy[job.account_id] -= 1
            self._queue.release(job)
            self._running -= 1  # its slot is free now (the task object goes when it is done)
        self._results.append(outcome)
        assert self._results_ready is not None
        self._results_ready.set()
        self._pump()  # the freed slot goes to a queued job now, without a trip through the serve loop
        if self._queue.count == 0 or self._concurrency * DEPTH - self._running - self._queue.count >= (
            self._claim_batch
        ):
            self._wake()

    async def _writer(self) -> None:
        assert self._results_ready is not None
        while True:
            await self._results_ready.wait()
            if len(self._results) < _RECORD_BATCH // 4 and len(self._tasks) > len(self._results) and not self._closing:
                await asyncio.sleep(_RECORD_LINGER)  # busy: gather a larger batch (fewer transactions)
            self._results_ready.clear()
            while self._results:
                batch, self._results = self._results[:_RECORD_BATCH], self._results[_RECORD_BATCH:]
                room = self._claim_room()
                try:
                    if room:  # a claim is due anyway: in the same transaction
                        try:
                            await self._claim(room, batch)
                        except Exception:
                            logger.exception("claiming webhook deliveries failed; recording alone")
                            await self._transact(partial(self._record_tx, outcomes=batch))
                    else:
                        await self._transact(partial(self._record_tx, outcomes=batch))
                except Exception:  # rows keep their lease and are re-sent after it: at-least-once holds
                    logger.exception("recording %d webhook attempts failed", len(batch))
                self._unrecorded -= len(batch)
                self._wake()
            if self._closing:
                return

    async def _finish(self, writer: asyncio.Task[None]) -> None:
        """Let in-flight attempts end, record them, give back never-attempted leases, close the client."""
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=self._grace)
            cancelled = [self._tasks[t].delivery_id for t in pending]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        else:
            cancelled = []
        # Claimed but never launched: give the leases back (due again at once, for any claimer).
        cancelled += self._queue.clear()
        if cancelled:
            await self._transact(partial(self._release_tx, delivery_ids=cancelled))
        # The writer is never cancelled mid-batch (that could drop a queued record); it exits when done.
        assert self._results_ready is not None
        self._closing = True
        self._results_ready.set()
        await writer
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError("the webhook dispatcher stopped"))
        sender, self._sender = self._sender, None
        if sender is not None:
            await sender.aclose()

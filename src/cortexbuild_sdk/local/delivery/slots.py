"""Claimed deliveries waiting for a slot, and what every endpoint and account holds.

The dispatcher claims more rows than it has free slots (claims then come in large batches, one transaction
per many rows) and launches them from here as slots free, round-robin over endpoints, within the
per-endpoint and per-account slot limits. What an endpoint or account *holds* (in flight + queued) is what
the claim's fairness caps count, so nothing here lets one tenant take more than its share.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from .attempt import Job

__all__ = ["ClaimedQueue"]


class ClaimedQueue:
    """Loop-thread only (no locking)."""

    def __init__(self) -> None:
        self.held: dict[int, int] = {}  # per webhook: in flight + queued
        self.account_held: dict[int, int] = {}
        self.count = 0  # queued
        self._queues: dict[int, deque[tuple[Job, int]]] = {}  # per webhook: (job, launch by, engine ms)
        self._order: deque[int] = deque()  # webhooks with queued jobs, in round-robin order

    def add(self, jobs: list[Job], launch_by: int) -> None:
        for job in jobs:
            wid, acct = job.webhook_id, job.account_id
            self.held[wid] = self.held.get(wid, 0) + 1
            self.account_held[acct] = self.account_held.get(acct, 0) + 1
            queue = self._queues.get(wid)
            if queue is None:
                queue = self._queues[wid] = deque()
                self._order.append(wid)
            queue.append((job, launch_by))
            self.count += 1

    def snapshot(self) -> tuple[dict[int, int], dict[int, int]]:
        """Copies of what endpoints and accounts hold, for the database thread (which must not see them move)."""
        return {w: n for w, n in self.held.items() if n}, {a: n for a, n in self.account_held.items() if n}

    def pop(self, fits: Callable[[int, int], bool]) -> tuple[Job, int] | None:
        """The next queued job whose (webhook, account) ``fits``, round-robin over endpoints; None if none does."""
        order = self._order
        for _ in range(len(order)):
            wid = order[0]
            queue = self._queues[wid]
            order.rotate(-1)
            if fits(wid, queue[0][0].account_id):
                item = queue.popleft()
                self.count -= 1
                if not queue:
                    order.pop()  # rotated to the end above
                    del self._queues[wid]
                return item
        return None

    def release(self, job: Job) -> None:
        """``job`` no longer held (its attempt ended, or it was dropped from the queue)."""
        self.held[job.webhook_id] -= 1
        self.account_held[job.account_id] -= 1

    def clear(self) -> list[str]:
        """Forget every queued job; their delivery ids (their leases are to be given back)."""
        ids = [job.delivery_id for queue in self._queues.values() for job, _ in queue]
        for queue in self._queues.values():
            for job, _ in queue:
                self.release(job)
        self._queues.clear()
        self._order.clear()
        self.count = 0
        return ids

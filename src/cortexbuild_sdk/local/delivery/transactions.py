"""The engine's write transactions, run on its database thread (never on the event loop).

Each waits behind a caller's emit (:class:`~.gate.WriteGate`) and runs in one ``BEGIN IMMEDIATE``
transaction: a claim (with the results recorded along with it when there are any), a record batch alone,
or giving back leases at a clean stop.
"""

from __future__ import annotations

import logging
import random
from typing import Final

from .attempt import Outcome
from .claim import Claim, Limits, TokenBuckets, claim
from .gate import WriteGate
from .protocols import Clock, DatabaseLike, SigningSecrets, now_ms
from .store import record, release

__all__ = ["DEPTH", "EngineTransactions"]

logger = logging.getLogger("cortexbuild_sdk.local.delivery")

DEPTH: Final = 2
"""Claimed rows held per slot (in flight + queued), so claims come in large batches."""


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

    def _tune_connection(self) -> None:
        # The engine's own thread and connection: its multi-row statements inside savepoints keep their
        # statement journals in memory (a temporary file per claim and record batch otherwise).
        try:
            with self.db.read() as conn:
                conn.execute("PRAGMA temp_store = MEMORY")
                conn.execute("PRAGMA cache_size = -16384")  # 16 MiB: the claim and record indexes stay cached
        except Exception:  # a host database that cannot open here yet: the first real call reports it
            logger.debug("could not tune the delivery thread's connection", exc_info=True)

    def _claim_sync(
        self, limit: int, busy: dict[int, int], account_busy: dict[int, int], outcomes: list[Outcome]
    ) -> Claim:
        with self._gate.background(), self.db.write() as conn:
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

    def _record_sync(self, outcomes: list[Outcome]) -> list[int]:
        with self._gate.background(), self.db.write() as conn:
            return record(conn, outcomes, owner=self._owner, rng=self._rng)

    def _release_sync(self, delivery_ids: list[str]) -> None:
        with self._gate.background(), self.db.write() as conn:
            release(conn, self._owner, delivery_ids, now_ms(self.clock))

"""``DeliveryHub``: one :class:`DeliveryEngine` per open database of a local backend.

The live store has one engine and every sandbox that is used gets its own (a sandbox is its own SQLite file).
Engines are built on first use and their dispatcher thread starts then too, so a backend that never emits
costs no thread and no HTTP client; a database that already holds pending deliveries (a restart after a
crash) starts its engine at once. Services reach the hub through their runtime (``Runtime.delivery``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from .engine import DeliveryEngine
from .protocols import Clock, DatabaseLike, SigningSecrets
from .ssrf import AddressPolicy

__all__ = ["FLAG_TTL", "DeliveryHub"]

FLAG_TTL: Final = 1.0
"""Seconds a sandbox's ``webhooksEnabled`` flag is cached (a PATCH through this backend invalidates at once;
another process's change is seen within this time)."""


class DeliveryHub:
    """Owns the engines of one backend. Thread-safe."""

    def __init__(
        self,
        live_db: DatabaseLike,
        *,
        clock: Clock,
        signing_secrets: SigningSecrets,
        sandbox_db: Callable[[int], DatabaseLike],
        policy: AddressPolicy | None = None,
        concurrency: int = 64,
        per_endpoint: int = 8,
        poll_interval: float = 0.5,
        http_stack: str | None = None,
    ) -> None:
        self.live_db = live_db
        self.clock = clock
        self.policy = policy if policy is not None else AddressPolicy()
        self._secrets = signing_secrets
        self._sandbox_db = sandbox_db
        self._options: dict[str, Any] = {
            "concurrency": concurrency,
            "per_endpoint": per_endpoint,
            "poll_interval": poll_interval,
            "http_stack": http_stack,
        }
        self._lock = threading.RLock()
        self._live: DeliveryEngine | None = None
        self._sandboxes: dict[int, DeliveryEngine] = {}
        self._flags: dict[int, tuple[bool, float]] = {}
        self._closed = False

    # -- engines -------------------------------------------------------------------------------------

    def engine(self, sandbox_id: int | None = None, *, start: bool = True) -> DeliveryEngine:
        """The engine of the live store (``sandbox_id`` None) or of one sandbox, started unless told not to."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the backend is closed")
            if sandbox_id is None:
                if self._live is None:
                    self._live = self._build(self.live_db, True)
                engine = self._live
            else:
                db = self._sandbox_db(sandbox_id)
                engine_or_none = self._sandboxes.get(sandbox_id)
                if engine_or_none is None or engine_or_none.db is not db:  # reopened after a close
                    if engine_or_none is not None:
                        engine_or_none.close()
                    engine_or_none = self._build(db, lambda: self.sandbox_sending(sandbox_id))
                    self._sandboxes[sandbox_id] = engine_or_none
                engine = engine_or_none
            if start:  # under the lock: close() cannot slip in between and leave a thread running
                engine.start()
        return engine

    def _build(self, db: DatabaseLike, send_enabled: Any) -> DeliveryEngine:
        return DeliveryEngine(
            db,
            clock=self.clock,
            signing_secrets=self._secrets,
            policy=self.policy,
            send_enabled=send_enabled,
            **self._options,
        )

    def wake(self, sandbox_id: int | None = None) -> None:
        """Rows may be due in that database (a webhook was re-enabled): start its engine and notify it."""
        self.engine(sandbox_id).notify()

    def start_if_pending(self, sandbox_id: int | None = None) -> bool:
        """Start the engine of a database that holds pending deliveries (left by an earlier process)."""
        db = self.live_db if sandbox_id is None else self._sandbox_db(sandbox_id)
        with db.read() as conn:
            pending = conn.execute(
                "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND parked = 0 LIMIT 1"
            ).fetchone()
        if pending is not None:
            self.engine(sandbox_id)
        return pending is not None

    def discard_sandbox(self, sandbox_id: int) -> None:
        """Stop and forget a sandbox's engine (before its database is deleted)."""
        with self._lock:
            engine = self._sandboxes.pop(sandbox_id, None)
            self._flags.pop(sandbox_id, None)
        if engine is not None:
            engine.close()

    def engines(self) -> list[DeliveryEngine]:
        with self._lock:
            live = [self._live] if self._live is not None else []
            return live + list(self._sandboxes.values())

    # -- sandbox flag ----------------------------------------------------------------------------------

    def sandbox_sending(self, sandbox_id: int) -> bool:
        """The sandbox's ``webhooksEnabled`` flag, read from the live store (cached :data:`FLAG_TTL` s)."""
        cached = self._flags.get(sandbox_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < FLAG_TTL:
            return cached[0]
        with self.live_db.read() as conn:
            row = conn.execute("SELECT config FROM sandbox_environments WHERE id = ?", (sandbox_id,)).fetchone()
        enabled = row is not None and bool(json.loads(row[0]).get("webhooksEnabled", True))
        self._flags[sandbox_id] = (enabled, now)
        return enabled

    def invalidate_flags(self, sandbox_id: int) -> None:
        """Forget the cached flag (the sandbox's config changed)."""
        self._flags.pop(sandbox_id, None)

    # -- waiting and shutdown --------------------------------------------------------------------------

    def drain(self, timeout: float = 60.0) -> None:
        """Until no delivery is due now in any open database and every attempt is recorded."""
        deadline = time.monotonic() + timeout
        for engine in self.engines():
            if not engine.running:
                with engine.db.read() as conn:
                    if conn.execute(
                        "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND parked = 0 LIMIT 1"
                    ).fetchone():
                        engine.start()
            if engine.running:
                engine.drain(max(0.001, deadline - time.monotonic()))

    def close(self) -> None:
        """Stop every engine: in-flight attempts finish and are recorded; nothing pending is lost."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            engines = ([self._live] if self._live is not None else []) + list(self._sandboxes.values())
            self._live, self._sandboxes = None, {}
        for engine in engines:
            engine.close()

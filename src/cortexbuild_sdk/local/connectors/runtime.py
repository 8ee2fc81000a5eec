"""What the backend owns for its connectors: provider URL overrides, the local-data binding, per-realm
throttles and the worker that runs sync jobs. One per :class:`~cortexbuild_sdk.local.Backend`, closed with it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..delivery.ssrf import AddressPolicy

if TYPE_CHECKING:
    from ..services.context import Ctx
    from .local_data import LocalData

__all__ = ["ConnectorRuntime", "Throttle"]

LocalDataFactory = Callable[["Ctx"], "LocalData"]


class Throttle:
    """A sliding one-minute window of request start times: ``wait()`` answers how long to pause so that no
    more than ``per_minute`` requests start in any minute (QuickBooks: 500 per realm)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._starts: list[float] = []
        self._lock = threading.Lock()

    def wait(self) -> float:
        with self._lock:
            now = time.monotonic()
            cutoff = now - 60.0
            while self._starts and self._starts[0] <= cutoff:
                self._starts.pop(0)
            if len(self._starts) < self.per_minute:
                self._starts.append(now)
                return 0.0
            at = self._starts[0] + 60.0
            self._starts.pop(0)
            self._starts.append(at)
            return at - now


@dataclass
class ConnectorRuntime:
    provider_urls: Mapping[str, str] = field(default_factory=dict)
    local_data: LocalDataFactory | None = None
    """Binds connectors to the construction-domain data (clients, invoices, documents...); see ``local_data``."""
    sleep: Callable[[float], None] = time.sleep
    workers: int = 2
    address_policy: AddressPolicy | None = None
    """The backend's SSRF policy (``delivery_policy``), applied to hosts taken from users' credentials."""
    automation_backoff: tuple[float, ...] = (10.0, 60.0, 300.0, 1800.0)
    """Seconds before the 2nd, 3rd, ... attempt of a failed automation."""
    _pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _futures: set[Future[Any]] = field(default_factory=set, init=False, repr=False)
    _throttles: dict[tuple[str, str], Throttle] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)
    _timers: set[threading.Timer] = field(default_factory=set, init=False, repr=False)

    def refusal(self, url: str) -> str | None:
        """Why ``url``'s host may not be contacted (any resolved address refused by the policy), or None."""
        if self.address_policy is None:
            return None
        host = urlsplit(url).hostname or ""
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            return f"cannot resolve {host}: {exc}"
        for info in infos:
            problem = self.address_policy.refusal(str(info[4][0]))
            if problem:
                return problem
        return None

    def base_url(self, provider: str) -> str | None:
        return self.provider_urls.get(provider)

    def throttle(self, provider: str, key: str, per_minute: int) -> Throttle:
        with self._lock:
            found = self._throttles.get((provider, key))
            if found is None:
                found = self._throttles[(provider, key)] = Throttle(per_minute)
            return found

    def submit(self, job: Callable[[], None]) -> Future[None]:
        """Run ``job`` on the backend's connector worker (sync runs); ``RuntimeError`` once closed."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the backend is closed")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="cortexbuild-connector")
            future = self._pool.submit(job)
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def later(self, delay: float, job: Callable[[], None]) -> None:
        """Run ``job`` after ``delay`` seconds (automation retries); dropped if the backend closes first."""
        if delay <= 0:
            job()
            return
        timer = threading.Timer(delay, job)
        timer.daemon = True
        with self._lock:
            if self._closed:
                return
            self._timers.add(timer)
        timer.start()

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until every submitted job has finished; ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._futures)
            if not pending:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(pending)} connector job(s) still running after {timeout} s")
            for future in pending:
                try:
                    future.result(timeout=max(0.0, deadline - time.monotonic()))
                except FutureTimeout:
                    raise TimeoutError(f"connector jobs still running after {timeout} s") from None
                except Exception:  # a job records its own failure on its run
                    pass

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        if pool is not None:
            pool.shutdown(wait=True)

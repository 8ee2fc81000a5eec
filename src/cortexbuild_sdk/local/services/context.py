"""What every service call gets: the runtime (store, keyring, clock) and who is asking, in which environment."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clock import Clock, now_ms
from ..crypto import Keyring
from ..sandbox_files import SandboxFiles
from ..store import Database

if TYPE_CHECKING:
    import httpx

    from ..connectors.runtime import ConnectorRuntime
    from ..delivery.hub import DeliveryHub

__all__ = ["Account", "Ctx", "Environment", "Principal", "Runtime"]

LIVE = "live"


@dataclass
class Runtime:
    """Process-wide state of one backend, shared by every request."""

    db: Database
    keyring: Keyring
    clock: Clock
    sandboxes: SandboxFiles
    oauth_overrides: Mapping[str, Mapping[str, str]] | None = None
    upload_limits: Mapping[str, int] | None = None  # bytes per tier, over the defaults of services.documents
    delivery: DeliveryHub | None = None
    """The webhook delivery engines of this backend (set by the backend; None when delivery is not wired)."""
    connectors: ConnectorRuntime | None = None
    background_delivery: bool = True  # False: committed events wait in the outbox for another process to send
    _http: httpx.Client | None = field(default=None, repr=False)
    _http_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now_ms(self) -> int:
        return now_ms(self.clock)

    def http(self) -> httpx.Client:
        """The client for outbound calls (OAuth token endpoints): 10 s timeout, created on first use."""
        with self._http_lock:
            if self._http is None:
                import httpx

                self._http = httpx.Client(timeout=10.0, follow_redirects=False)
            return self._http

    def close(self) -> None:
        if self.connectors is not None:
            self.connectors.close()  # before the client its jobs use
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None


@dataclass(frozen=True)
class Account:
    id: int
    user_id: str
    company_id: str
    company_name: str
    tier: str
    owner_key_id: int | None = None


@dataclass(frozen=True)
class Principal:
    """The authenticated API key."""

    key_id: int
    scopes: frozenset[str]
    sandbox_id: int | None


@dataclass(frozen=True)
class Environment:
    """Where the request's data lives: the live store or one sandbox's file, with that sandbox's flags."""

    name: str
    db: Database
    sandbox_id: int | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox_id is not None

    def flag(self, name: str) -> bool:
        return bool(self.config.get(name, True))


@dataclass(frozen=True)
class Ctx:
    rt: Runtime
    account: Account
    principal: Principal
    env: Environment

    def now_ms(self) -> int:
        return self.rt.now_ms()

    @property
    def keyring(self) -> Keyring:
        return self.rt.keyring

"""The embedded backend object: store + keyring + clock + app, and the transports that mount it."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from typing_extensions import Self, TypedDict

from .app import App
from .clock import Clock, SystemClock
from .connectors.domain_data import DomainData
from .connectors.hosts import resolve_provider_urls
from .connectors.runtime import ConnectorRuntime, LocalDataFactory
from .crypto import Keyring
from .delivery import AddressPolicy, sealed_signing_secrets
from .delivery.hub import DeliveryHub
from .errors import NotFound
from .http import LocalRequest, LocalResponse
from .overdue_scanner import OverdueScanner
from .ratelimit import RateLimitConfig, RateLimiter
from .routes import ROUTES
from .sandbox_files import SandboxFiles
from .schema import MIGRATIONS
from .sealing import reseal_all
from .services import accounts, events
from .services.context import LIVE, Runtime
from .store import Database, record_active_key
from .transport import AsyncLocalTransport, LocalTransport

__all__ = ["Backend", "BackendOptions"]

DEFAULT_COMPANY = "Acme Construction Ltd"

# A backend left open at exit is closed before the interpreter shuts its thread pools down, which the delivery
# thread still uses (a plain atexit hook runs after that, too late). In-flight deliveries get a short grace;
# the rest stay in the durable outbox for the next process.
_EXIT_GRACE = 1.0
_OPEN: weakref.WeakSet[Backend] = weakref.WeakSet()


def _close_open_backends() -> None:
    for backend in list(_OPEN):
        with contextlib.suppress(Exception):
            for engine in backend.delivery.engines():
                engine.stop(timeout=_EXIT_GRACE)
            backend.close()


getattr(threading, "_register_atexit", atexit.register)(_close_open_backends)


class BackendOptions(TypedDict, total=False):
    """The keyword options of :class:`Backend`, as ``CortexBuild.local(**options)`` takes them."""

    tier: str | None
    encryption_key: str | bytes | None
    clock: Clock | None
    rate_limits: RateLimitConfig | None
    oauth: Mapping[str, Mapping[str, str]] | None
    company_name: str
    delivery_policy: AddressPolicy | None
    delivery_concurrency: int
    delivery_per_endpoint: int
    delivery_poll_interval: float
    overdue_scan_interval: float
    upload_limits: Mapping[str, int] | None
    delivery_http_stack: str | None
    provider_urls: Mapping[str, str] | None
    local_data: LocalDataFactory | None
    background_delivery: bool


class Backend:
    """The whole platform API in-process on SQLite.

    ``path`` None gives a throwaway store in a temporary directory, removed on :meth:`close`. A file-backed
    store keeps its encryption key in ``CORTEXBUILD_ENCRYPTION_KEY`` or else in ``<path>.key`` (created 0600);
    ``encryption_key`` given here takes precedence over both. ``upload_limits`` maps tiers to the largest
    document upload in bytes, over the defaults of ``services.documents.DEFAULT_UPLOAD_LIMITS``.
    ``background_delivery=False`` (for short-lived processes such as a CLI command) starts no delivery engine
    on its own: events commit to the outbox as always, and stay queued for a backend that delivers (``local
    serve``, or the next one opened on the file); deliveries an earlier process left pending are not resumed,
    so closing never waits on them. Explicit operations (``webhooks.test``, ``retry``, ``recover``, ``drain``)
    still send.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        tier: str | None = None,
        encryption_key: str | bytes | None = None,
        clock: Clock | None = None,
        rate_limits: RateLimitConfig | None = None,
        oauth: Mapping[str, Mapping[str, str]] | None = None,
        company_name: str = DEFAULT_COMPANY,
        delivery_policy: AddressPolicy | None = None,
        delivery_concurrency: int = 64,
        delivery_per_endpoint: int = 8,
        delivery_poll_interval: float = 0.5,
        overdue_scan_interval: float = 5.0,
        upload_limits: Mapping[str, int] | None = None,
        delivery_http_stack: str | None = None,
        provider_urls: Mapping[str, str] | None = None,
        local_data: LocalDataFactory | None = None,
        background_delivery: bool = True,
    ) -> None:
        # Checked first: a bad override fails before any file is created.
        connectors = ConnectorRuntime(
            resolve_provider_urls(provider_urls),
            local_data if local_data is not None else DomainData,
            address_policy=delivery_policy if delivery_policy is not None else AddressPolicy(),
        )
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._tmpdir: str | None = None
        if path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="cortexbuild-local-")
            self._finalizer = weakref.finalize(self, shutil.rmtree, self._tmpdir, True)
            db_path = Path(self._tmpdir) / "cortexbuild.db"
            keyring = Keyring.from_key(encryption_key) if encryption_key is not None else Keyring.generate()
        else:
            db_path = Path(path)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if encryption_key is not None:
                keyring = Keyring.from_key(encryption_key)
            else:
                keyring = Keyring.from_env_or_file(db_path.with_name(db_path.name + ".key"))
        self.path = db_path
        self.keyring = keyring
        self.db = Database(db_path, migrations=MIGRATIONS, keyring=keyring, environment=LIVE)
        self._sandboxes = SandboxFiles(db_path.with_name(db_path.name + ".sandboxes"), keyring)
        self._rt = Runtime(
            self.db,
            keyring,
            self.clock,
            self._sandboxes,
            oauth_overrides=oauth,
            upload_limits=upload_limits,
            connectors=connectors,
            background_delivery=background_delivery,
        )
        try:
            self.account_id = accounts.bootstrap(
                self.db, keyring, tier=tier, company_name=company_name, now=self._rt.now_ms()
            )
            accounts.owner_secret(self.db, keyring, self.account_id)  # fail now if the key does not fit
        except BaseException:
            self.close()
            raise
        self.rate_limits = rate_limits if rate_limits is not None else RateLimitConfig()
        self._app = App(self._rt, ROUTES, RateLimiter(self.rate_limits))
        self._close_lock = threading.Lock()
        self._closed = False
        # Webhook delivery: one engine per open database, each started on first use (see docs/delivery.md).
        self.delivery = DeliveryHub(
            self.db,
            clock=self.clock,
            signing_secrets=sealed_signing_secrets,
            sandbox_db=self._sandboxes.open,
            policy=delivery_policy if delivery_policy is not None else AddressPolicy(),
            concurrency=delivery_concurrency,
            per_endpoint=delivery_per_endpoint,
            poll_interval=delivery_poll_interval,
            http_stack=delivery_http_stack,
        )
        self._rt.delivery = self.delivery
        # Clock-driven domain changes (invoice.overdue): a timer thread, also run by drain().
        self._overdue = OverdueScanner(self._rt, interval=overdue_scan_interval)
        try:
            if background_delivery:
                self._resume_pending()
            self._overdue.start()
        except BaseException:
            self.close()
            raise
        _OPEN.add(self)

    # ---- identity -----------------------------------------------------------------------------------------

    @property
    def owner_api_key(self) -> str:
        """The bootstrap account's owner key (every scope); the same value whenever this file is reopened."""
        return accounts.owner_secret(self.db, self.keyring, self.account_id)

    def create_account(self, *, tier: str = "free", company_name: str = DEFAULT_COMPANY) -> accounts.NewAccount:
        """Another developer account (its own company, tier and owner key): for multi-tenant scenarios."""
        with self.db.write() as conn:
            return accounts.create_account(
                conn, self.keyring, tier=tier, company_name=company_name, now=self._rt.now_ms()
            )

    def set_tier(self, tier: str, *, account_id: int | None = None) -> None:
        accounts.set_tier(self.db, self.account_id if account_id is None else account_id, tier)

    # ---- the app ------------------------------------------------------------------------------------------

    def handle(self, request: LocalRequest) -> LocalResponse:
        return self._app.handle(request)

    def transport(self) -> LocalTransport:
        return LocalTransport(self.handle)

    def async_transport(self) -> AsyncLocalTransport:
        return AsyncLocalTransport(self.handle)

    # ---- hooks for the delivery engine --------------------------------------------------------------------

    def sandbox_db(self, sandbox_id: int) -> Database:
        """The database of one sandbox (opened on first use)."""
        return self._sandboxes.open(sandbox_id)

    def signing_secrets(self, conn: sqlite3.Connection, webhook_id: int, now_ms: int) -> list[str]:
        """``[current, previous while valid]`` plaintext secrets of a webhook, for the connection's database."""
        return sealed_signing_secrets(conn, webhook_id, now_ms)

    # ---- webhook delivery ---------------------------------------------------------------------------------

    def emit(
        self,
        event: str,
        data: Mapping[str, Any],
        *,
        sandbox_id: int | None = None,
        account_id: int | None = None,
    ) -> str:
        """Emit a catalogue event for an account (default: the owner's); returns the event id (``evt_...``).

        The event and one delivery per subscribed active webhook are committed before this returns; the
        dispatcher sends them in the background. ``sandbox_id`` emits inside that sandbox's database (to its
        webhooks). Raises ``UnknownEventError`` / ``InvalidPayloadError`` / ``PayloadTooLargeError`` (all
        ``ValueError``) for a bad event, and ``ValueError`` for an unknown account or sandbox.
        """
        acct = self.account_id if account_id is None else account_id
        try:
            ctx = accounts.system_ctx(self._rt, acct, sandbox_id)
        except NotFound as exc:
            raise ValueError(str(exc) if exc.what == "sandbox" else f"no account {acct} in this backend") from None
        return events.emit(ctx, event, data)

    def drain(self, timeout: float = 60.0) -> None:
        """Block until no delivery is due now (in the live store and every open sandbox) and every attempt is
        logged. With a ``ManualClock``: ``backend.clock.advance(s)`` then ``drain()`` runs what fell due -
        including the clock's domain changes (invoices gone overdue), which are applied first.
        Raises ``TimeoutError`` after ``timeout`` seconds."""
        self._overdue.scan()
        self.delivery.drain(timeout)

    def scan_overdue(self) -> int:
        """Apply the clock's domain changes now instead of at the next timer tick: every sent invoice whose due
        date the clock has passed goes ``overdue`` (emitting ``invoice.overdue`` once). Returns how many did."""
        return self._overdue.scan()

    async def adrain(self, timeout: float = 60.0) -> None:
        """:meth:`drain` for async code: the wait runs on a worker thread, never on the caller's loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.drain, timeout)

    def _resume_pending(self) -> None:
        """Start the engines of databases holding deliveries an earlier process did not finish."""
        self.delivery.start_if_pending()
        with self.db.read() as conn:
            sandbox_ids = [r[0] for r in conn.execute("SELECT id FROM sandbox_environments")]
        for sandbox_id in sandbox_ids:
            if self._sandboxes.path(sandbox_id).exists():
                self.delivery.start_if_pending(sandbox_id)

    def wait_for_syncs(self, timeout: float = 60.0) -> None:
        """Block until every background sync run has finished (``TimeoutError`` after ``timeout`` s)."""
        assert self._rt.connectors is not None
        self._rt.connectors.wait(timeout)

    @property
    def connectors(self) -> ConnectorRuntime:
        """The connectors' runtime: provider URL overrides, the local-data binding, the sync worker."""
        assert self._rt.connectors is not None
        return self._rt.connectors

    # ---- encryption ---------------------------------------------------------------------------------------

    def rotate_encryption_key(self, new_key: bytes | str | None = None) -> str:
        """Activate a new master key (random if None) and re-encrypt every sealed value in the live store and
        every sandbox; returns the new key id. With a key file the new key is saved there; with
        ``CORTEXBUILD_ENCRYPTION_KEY`` or ``encryption_key=`` put the new key first in that setting."""
        kid = self.keyring.rotate(new_key)
        # follow_keyring=False: this write records the new id (other processes follow it before their writes)
        with self.db.write(follow_keyring=False) as conn:
            record_active_key(conn, kid)
            reseal_all(conn, self.keyring, LIVE)
            sandbox_ids = [r[0] for r in conn.execute("SELECT id FROM sandbox_environments")]
        for sandbox_id in sandbox_ids:
            try:
                db = self._sandboxes.open(sandbox_id)
            except FileNotFoundError:
                continue
            with db.write(follow_keyring=False) as conn:
                record_active_key(conn, kid)
                reseal_all(conn, self.keyring, SandboxFiles.environment(sandbox_id))
            self._sandboxes.reseal_template(sandbox_id, kid)
        return kid

    # ---- lifecycle ----------------------------------------------------------------------------------------

    def close(self) -> None:
        lock = getattr(self, "_close_lock", None)
        if lock is not None:
            with lock:
                if self._closed:
                    return
                self._closed = True
        if hasattr(self, "_overdue"):
            self._overdue.close()  # before the engines it feeds
        _OPEN.discard(self)
        if hasattr(self, "delivery"):
            self.delivery.close()  # before the databases: in-flight attempts are recorded
        self._rt.close() if hasattr(self, "_rt") else None
        self._sandboxes.close() if hasattr(self, "_sandboxes") else None
        self.db.close()
        if self._tmpdir is not None:
            self._finalizer()

    @property
    def closed(self) -> bool:
        return getattr(self, "_closed", False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "throwaway" if self._tmpdir is not None else str(self.path)
        return f"Backend({where!r}, clock={self.clock!r})"

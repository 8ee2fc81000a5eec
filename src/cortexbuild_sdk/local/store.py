"""SQLite store: one file, per-thread connections, WAL, ``BEGIN IMMEDIATE`` writes, ``user_version`` migrations.

Every read-modify-write goes through :meth:`Database.write`, which takes SQLite's write lock up front
(``BEGIN IMMEDIATE``) so two writers never deadlock upgrading a read lock; the busy timeout makes a writer
wait for the lock instead of failing with "database is locked". WAL lets readers run while one writer writes,
across threads and processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .crypto import Keyring

from . import errors
from .checkpoint import Checkpointer
from .crypto import KeyNotHeldError

__all__ = [
    "BUSY_TIMEOUT_S",
    "Database",
    "EncryptionKeyUnavailable",
    "LocalConnection",
    "Migration",
    "create_private",
    "record_active_key",
    "run_script",
]


BUSY_TIMEOUT_S = 30.0
WAL_AUTOCHECKPOINT_PAGES = 16384
"""Pages (4 KiB) the WAL may grow to before a commit checkpoints it itself (SQLite's default: 1,000): only a
backstop, as :class:`~.checkpoint.Checkpointer` keeps the WAL far shorter from its own thread."""

Migration = str | Callable[[sqlite3.Connection], None]
"""A migration is DDL text (statements run one by one) or a function given the connection in the transaction."""


class LocalConnection(sqlite3.Connection):
    """A connection that knows which keyring and environment its database's secrets are sealed for.

    ``memo`` holds values derived from the database (e.g. the API-key lookups of ``auth``) that stay valid only
    while :meth:`data_stamp` is unchanged; its owner checks the stamp before every use.
    """

    keyring: Keyring | None = None
    environment: str = "live"
    memo: dict[str, Any]
    _stamp_cursor: sqlite3.Cursor | None = None

    def data_stamp(self) -> tuple[int, int]:
        """A value that differs from an earlier one whenever anything was committed to the file in between.

        ``PRAGMA data_version`` changes when *another* connection (thread or process) commits; it ignores this
        connection's own commits, which ``total_changes`` (rows written by this connection, trigger and
        rolled-back writes included) covers. Read it *before* reading the data it guards, so a commit racing
        the read can only make the stamp stale-early (a needless miss), never let stale data through.
        """
        cur = self._stamp_cursor
        if cur is None:  # one reused plain cursor: this runs on every authenticated request
            cur = self._stamp_cursor = self.cursor()
            cur.row_factory = None
        return int(cur.execute("PRAGMA data_version").fetchone()[0]), self.total_changes


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would COMMIT first)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip().strip(";").strip():
                conn.execute(buf)
            buf = ""
    if buf.strip():
        conn.execute(buf)


class EncryptionKeyUnavailable(errors.Unavailable, RuntimeError):
    """This process's keyring lacks the key the database records as active (503 through the API)."""


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists: database files hold account data (secrets are
    sealed, but names, URLs and usage are not), so they get the key file's mode. SQLite creates the ``-wal``
    and ``-shm`` files with the mode of the database file, so they follow."""
    if str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))


def record_active_key(conn: sqlite3.Connection, key_id: str) -> None:
    """Record the master key id new secrets must be sealed under (in the rotating process's re-encryption
    transaction): every other process reads it before its next write (see :meth:`Database.write`)."""
    conn.execute(
        "INSERT INTO keyring_state (id, active_key_id) VALUES (1, ?)"
        " ON CONFLICT (id) DO UPDATE SET active_key_id = excluded.active_key_id",
        (key_id,),
    )


class _ThreadState(threading.local):
    conn: LocalConnection | None = None
    depth: int = 0
    writing: bool = False


class Database:
    """A SQLite database file shared by threads (one connection each) and processes."""

    def __init__(
        self,
        path: str | Path,
        *,
        migrations: Sequence[Migration] = (),
        keyring: Keyring | None = None,
        environment: str = "live",
    ) -> None:
        self.path = Path(path)
        self.keyring = keyring
        self.environment = environment
        self._state = _ThreadState()
        self._all: list[LocalConnection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._key_state: bool | None = None  # has a keyring_state table (None: not looked yet)
        self._checkpointer = Checkpointer(self._checkpoint, self.close_thread_connection)
        if migrations:
            self.migrate(migrations)

    # ---- connections --------------------------------------------------------------------------------------

    def _connect(self) -> LocalConnection:
        create_private(self.path)
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,  # only so close() can run from another thread
            factory=LocalConnection,
        )
        assert isinstance(conn, LocalConnection)
        conn.keyring = self.keyring
        conn.environment = self.environment
        conn.memo = {}
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint runs on the committing thread (often an emit) and copies each page the WAL holds once,
        # however many commits rewrote it: a longer interval copies and syncs hot index pages far less often.
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA temp_store=MEMORY")  # statement journals of multi-row writes: no temp file per emit
        return conn

    def connection(self) -> LocalConnection:
        """This thread's connection (opened on first use)."""
        if self._closed:
            raise RuntimeError(f"database {self.path} is closed")
        conn = self._state.conn
        if conn is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError(f"database {self.path} is closed")
                conn = self._connect()
                self._all.append(conn)
            self._state.conn = conn
        return conn

    def close_thread_connection(self) -> None:
        """Close the calling thread's connection, if it has one (a thread about to end: its connection would
        otherwise stay open until :meth:`close`). The thread gets a new one if it asks again."""
        conn, self._state.conn = self._state.conn, None
        if conn is None:
            return
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        with contextlib.suppress(sqlite3.ProgrammingError):
            conn.close()

    def _checkpoint(self) -> None:
        with self.read() as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    # ---- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def write(self, *, follow_keyring: bool = True) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE``; commit on success, roll back on any exception. Nests inside another write().

        Under the write lock, before the caller writes, the keyring is checked against the active key id the
        database records (one primary-key read): a rotation by another process is noticed before this process
        seals anything. ``follow_keyring=False`` is for the rotation itself, which records the new id.
        """
        state = self._state
        conn = self.connection()
        if state.depth:
            if not state.writing:
                raise RuntimeError("write() cannot start inside read(); open the write() first")
            state.depth += 1
            try:
                yield conn
            finally:
                state.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        state.depth, state.writing = 1, True
        try:
            if follow_keyring and self.keyring is not None and self._key_state is not False:
                self._follow_keyring(conn)
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
            self._checkpointer.written()
        finally:
            state.depth, state.writing = 0, False

    def read(self) -> _Reading:
        """A connection for queries. Outside a transaction each statement is atomic on its own (the cheap
        path, which is what single-query reads want); use :meth:`snapshot` when several queries must agree."""
        return _Reading(self.connection())

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One consistent read snapshot (``BEGIN`` ... ``COMMIT``) for several queries; nests."""
        state = self._state
        conn = self.connection()
        if state.depth:
            state.depth += 1
            try:
                yield conn
            finally:
                state.depth -= 1
            return
        conn.execute("BEGIN")
        state.depth = 1
        try:
            yield conn
        finally:
            state.depth = 0
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _follow_keyring(self, conn: LocalConnection) -> None:
        assert self.keyring is not None
        try:
            row = conn.execute("SELECT active_key_id FROM keyring_state WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # a store from before the table (its migration runs in this write)
            self._key_state = False
            return
        self._key_state = True
        if row is None:
            record_active_key(conn, self.keyring.active_key_id)
            return
        try:
            self.keyring.follow(row[0])
        except KeyNotHeldError as exc:
            raise EncryptionKeyUnavailable(str(exc), code="encryption_key_unavailable") from None

    # ---- schema -------------------------------------------------------------------------------------------

    def migrate(self, migrations: Sequence[Migration]) -> int:
        """Apply the migrations past ``PRAGMA user_version``, each with its version bump, in one transaction."""
        with self.write() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for number, migration in enumerate(migrations[version:], start=version + 1):
                if isinstance(migration, str):
                    run_script(conn, migration)
                else:
                    migration(conn)
                conn.execute(f"PRAGMA user_version = {number:d}")
        self._key_state = None  # look again: a migration may have created keyring_state
        return max(version, len(migrations))

    def close(self) -> None:
        """Close every thread's connection; later use raises ``RuntimeError``."""
        self._checkpointer.stop()
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.ProgrammingError):  # another thread is mid-statement
                conn.close()
        self._state.conn = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r}, environment={self.environment!r})"


class _Reading:
    """``with db.read() as conn``: a plain class, as the hot path of every GET is cheaper without a generator."""

    __slots__ = ("_conn",)

    def __init__(self, conn: LocalConnection) -> None:
        self._conn = conn

    def __enter__(self) -> LocalConnection:
        return self._conn

    def __exit__(self, *exc: object) -> None:
        return None

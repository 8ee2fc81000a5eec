"""Sandbox database files: one SQLite file per sandbox plus a pristine template that ``reset`` restores.

Layout: ``<root>/sandbox-<id>.db`` (live state) and ``<root>/sandbox-<id>.template.db`` (state at creation).
Every file is created 0600 (the directory 0700), like the live database and the key file.
Reset copies the template into the live file with SQLite's online backup API, which takes the destination's
write lock, so readers in other threads or processes see either the old or the restored state, never a mix.

Each of the two files has its document store beside it (``sandbox-<id>.db.files/``, see ``files.py``). Reset
first puts the template's blobs back into the live store (hard links), then restores the database, then removes
the blobs no restored row references (under the live database's write lock, so no upload races it).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from .crypto import Keyring
from .files import store_beside
from .schema import MIGRATIONS
from .sealing import reseal_all
from .store import BUSY_TIMEOUT_S, Database, create_private, record_active_key

__all__ = ["SandboxFiles"]

Seeder = Callable[[sqlite3.Connection], None]


class SandboxFiles:
    def __init__(self, root: Path, keyring: Keyring) -> None:
        self.root = root
        self._keyring = keyring
        self._open: dict[int, Database] = {}
        self._lock = threading.Lock()

    def path(self, sandbox_id: int) -> Path:
        return self.root / f"sandbox-{sandbox_id}.db"

    def template_path(self, sandbox_id: int) -> Path:
        return self.root / f"sandbox-{sandbox_id}.template.db"

    @staticmethod
    def environment(sandbox_id: int) -> str:
        return f"sandbox:{sandbox_id}"

    def create(self, sandbox_id: int, seeder: Seeder | None) -> None:
        """Build the template (schema, then ``seeder`` in the same transaction), then the live copy."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        template = self.template_path(sandbox_id)
        for stale in (template, self.path(sandbox_id)):
            _unlink_db(stale)  # a crashed earlier create may have left files behind
            store_beside(stale).remove_all()
        tpl = Database(template, keyring=self._keyring, environment=self.environment(sandbox_id))
        try:
            tpl.migrate(MIGRATIONS)
            if seeder is not None:
                with tpl.write() as conn:
                    seeder(conn)
            tpl.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            tpl.close()
        self._restore_files(sandbox_id)
        self._copy(template, self.path(sandbox_id))

    def open(self, sandbox_id: int) -> Database:
        db = self._open.get(sandbox_id)
        if db is None or db.closed:
            with self._lock:
                db = self._open.get(sandbox_id)
                if db is None or db.closed:
                    path = self.path(sandbox_id)
                    if not path.exists():
                        raise FileNotFoundError(f"sandbox database {path} is missing")
                    db = Database(
                        path,
                        migrations=MIGRATIONS,
                        keyring=self._keyring,
                        environment=self.environment(sandbox_id),
                    )
                    self._open[sandbox_id] = db
        return db

    def reseal_template(self, sandbox_id: int, key_id: str) -> None:
        """After a key rotation: re-encrypt the template and record ``key_id`` in it, so a later reset neither
        restores tokens under a retired key nor a keyring record that points back at one."""
        template = self.template_path(sandbox_id)
        if not template.exists():
            return
        db = Database(template, keyring=self._keyring, environment=self.environment(sandbox_id))
        try:
            with db.write(follow_keyring=False) as conn:
                record_active_key(conn, key_id)
                reseal_all(conn, self._keyring, self.environment(sandbox_id))
            db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()

    def reset(self, sandbox_id: int) -> None:
        self._restore_files(sandbox_id)
        self._copy(self.template_path(sandbox_id), self.path(sandbox_id))
        with self.open(sandbox_id).write() as conn:
            store_beside(self.path(sandbox_id)).sweep(conn)

    def _restore_files(self, sandbox_id: int) -> None:
        template = store_beside(self.template_path(sandbox_id))
        store_beside(self.path(sandbox_id)).copy_from(template, template.blobs())

    def delete(self, sandbox_id: int) -> None:
        with self._lock:
            db = self._open.pop(sandbox_id, None)
        if db is not None:
            db.close()
        _unlink_db(self.path(sandbox_id))
        _unlink_db(self.template_path(sandbox_id))
        store_beside(self.path(sandbox_id)).remove_all()
        store_beside(self.template_path(sandbox_id)).remove_all()

    def databases(self) -> dict[int, Database]:
        with self._lock:
            return dict(self._open)

    def close(self) -> None:
        with self._lock:
            dbs, self._open = list(self._open.values()), {}
        for db in dbs:
            db.close()

    @staticmethod
    def _copy(src: Path, dst: Path) -> None:
        source = sqlite3.connect(src, timeout=BUSY_TIMEOUT_S)
        create_private(dst)  # 0600 like every database file (the copy's -wal/-shm follow it)
        target = sqlite3.connect(dst, timeout=BUSY_TIMEOUT_S)
        try:
            target.execute("PRAGMA journal_mode=WAL")
            source.backup(target)
        finally:
            source.close()
            target.close()


def _unlink_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)

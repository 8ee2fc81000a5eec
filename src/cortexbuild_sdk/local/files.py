"""A content-addressed file store beside a database: ``<db>.files/sha256/ab/cdef...`` (dirs 0700, files 0600).

Files are written by streaming into ``<store>/tmp/`` while hashing, then renamed into place, so a blob path
only ever holds complete content whose SHA-256 is its name; identical content is stored once. Blobs are
immutable. Each database (the live store, every sandbox file and its template) has its own store.

Consistency with the rows that reference blobs, without a lock outside SQLite: a blob is put in place
(:meth:`FileStore.commit`) inside the database write transaction that inserts its row, and a blob is removed
(:meth:`FileStore.release`) inside a write transaction that sees no row referencing it. Both hold the
database's write lock, so an upload can never reference a blob a concurrent delete is removing. A crash
between a row's deletion and its blob's removal leaves an orphan (never a dangling row); :meth:`sweep`
removes orphans.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["CHUNK_SIZE", "FileStore", "StagedFile", "store_beside", "store_of"]

CHUNK_SIZE = 64 * 1024
"""Bytes read or written at a time when streaming files in and out."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TMP_MAX_AGE_S = 24 * 3600  # temp files older than this belong to uploads that died


def store_beside(db_path: str | os.PathLike[str]) -> FileStore:
    """The store of the database file at ``db_path``."""
    path = Path(db_path)
    return FileStore(path.with_name(path.name + ".files"))


def store_of(conn: sqlite3.Connection) -> FileStore:
    """The store of the database ``conn`` is open on (for code handed only a connection, e.g. seeders)."""
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return store_beside(file)
    raise ValueError("an in-memory database has no file store")


class StagedFile:
    """An uploaded file written to the store's temp directory, hashed, not yet in place.

    :meth:`FileStore.commit` moves it into place; :meth:`discard` (idempotent) deletes what was not committed.
    """

    def __init__(self, store: FileStore) -> None:
        self.store = store
        store.ensure()
        fd, name = tempfile.mkstemp(dir=store.tmp_dir, prefix="up-")  # created 0600
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.sha256 = ""
        self._done = False

    def write(self, data: bytes | memoryview) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> None:
        """Flush to disk and fix the hash (no more writes)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.sha256 = self._hash.hexdigest()

    def discard(self) -> None:
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self._file.close()
        self.path.unlink(missing_ok=True)

    def committed(self) -> None:
        self._done = True


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"
        self.blob_dir = root / "sha256"

    def ensure(self) -> None:
        for path in (self.root, self.tmp_dir, self.blob_dir):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.blob_dir / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def stage(self) -> StagedFile:
        return StagedFile(self)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store small in-memory content (sample files) directly; returns ``(sha256, size)``."""
        staged = self.stage()
        try:
            staged.write(data)
            staged.finish()
            self.commit(staged)
        finally:
            staged.discard()
        return staged.sha256, staged.size

    def commit(self, staged: StagedFile) -> bool:
        """Put a finished staged file in place (call inside the write transaction that references it);
        False when identical content was already stored (the staged copy is dropped)."""
        target = self.path(staged.sha256)
        if target.is_file():  # identical content already stored: keep one copy
            staged.discard()
            return False
        target.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(staged.path, target)
        staged.committed()
        return True

    @contextlib.contextmanager
    def placing(self, staged: StagedFile) -> Iterator[None]:
        """``with db.write() as conn, store.placing(staged):`` - the blob is in place for the block that inserts
        its row; if the block fails, a blob this placed is removed again *before* the transaction rolls back
        (still under the write lock, so no other upload can have started referencing it)."""
        placed = self.commit(staged)
        try:
            yield
        except BaseException:
            if placed:
                self.path(staged.sha256).unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in chunks; the file is opened now, so a later removal cannot cut the stream."""
        handle = self.path(sha256).open("rb")

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(CHUNK_SIZE):
                    yield chunk

        return chunks()

    def release(self, conn: sqlite3.Connection, sha256: str) -> bool:
        """Remove the blob if no ``documents`` row of ``conn``'s database references it (call in a write)."""
        if conn.execute("SELECT 1 FROM documents WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone() is not None:
            return False
        self.path(sha256).unlink(missing_ok=True)
        return True

    def blobs(self) -> Iterator[str]:
        if not self.blob_dir.is_dir():
            return
        for sub in self.blob_dir.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                for blob in sub.iterdir():
                    name = sub.name + blob.name
                    if _SHA256.match(name):
                        yield name

    def sweep(self, conn: sqlite3.Connection, now_s: float | None = None) -> int:
        """Remove orphan blobs and dead temp files (call inside a write transaction); returns blobs removed.

        O(blobs in the store): maintenance and sandbox reset only, never a request's hot path.
        """
        referenced = {row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM documents")}
        removed = 0
        for sha in list(self.blobs()):
            if sha not in referenced:
                self.path(sha).unlink(missing_ok=True)
                removed += 1
        if self.tmp_dir.is_dir():
            cutoff = (time.time() if now_s is None else now_s) - _TMP_MAX_AGE_S
            for tmp in self.tmp_dir.iterdir():
                with contextlib.suppress(OSError):
                    if tmp.stat().st_mtime < cutoff:
                        tmp.unlink()
        return removed

    def copy_from(self, other: FileStore, hashes: Iterable[str]) -> None:
        """Make ``hashes`` present here, hard-linked from ``other`` when the filesystem allows (blobs are
        immutable, so sharing an inode is safe), else copied."""
        for sha in hashes:
            target = self.path(sha)
            if target.is_file():
                continue
            source = other.path(sha)
            self.ensure()
            target.parent.mkdir(mode=0o700, exist_ok=True)
            try:
                os.link(source, target)
            except FileExistsError:
                continue
            except OSError:
                staged = self.stage()
                try:
                    for chunk in other.open(sha):
                        staged.write(chunk)
                    staged.finish()
                    self.commit(staged)
                finally:
                    staged.discard()

    def remove_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

"""The store checkpoints the WAL from its own thread, and closing never races a running checkpoint."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

import pytest

from cortexbuild_sdk.local import checkpoint
from cortexbuild_sdk.local.store import Database


def _wal_index(path: Path) -> tuple[int, int]:
    """(frames in the WAL, frames already copied into the database) from the -shm file's header
    (https://www.sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at byte 96, native byte order)."""
    head = Path(f"{path}-shm").read_bytes()[:100]
    return struct.unpack_from("=I", head, 16)[0], struct.unpack_from("=I", head, 96)[0]


def _write(db: Database, n: int) -> None:
    for i in range(n):
        with db.write() as conn:
            conn.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}" * 20,))


def test_commits_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database(path, migrations=["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
    _write(db, 200)  # far below the automatic checkpoint: only the background thread copies these
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frames, copied = _wal_index(path)
        if frames and copied == frames:
            break
        time.sleep(0.02)
    assert frames > 0 and copied == frames
    db.close()


def test_close_waits_for_a_running_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No pause before a checkpoint: it starts right after each commit, so close() meets it mid-way. Closing a
    # connection under a running statement crashed the interpreter before close() waited for the thread.
    monkeypatch.setattr(checkpoint, "CHECKPOINT_INTERVAL_S", 0.0)
    for n in range(60):
        db = Database(tmp_path / f"c{n}.db", migrations=["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
        _write(db, 20)
        db.close()
        assert db.closed


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cortexbuild-checkpoint"]


def _wait_checkpointed(path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames, copied = _wal_index(path)
        if frames and copied == frames:
            return True
        time.sleep(0.01)
    return False


def test_an_idle_database_keeps_no_thread_and_the_next_write_starts_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "IDLE_EXIT_S", 0.05)
    before = len(_checkpoint_threads())
    dbs = [
        Database(tmp_path / f"s{n}.db", migrations=["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
        for n in range(20)
    ]
    for db in dbs:
        _write(db, 3)
    deadline = time.monotonic() + 5
    while len(_checkpoint_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_checkpoint_threads()) == before  # twenty idle databases, no thread kept for them
    assert all(len(db._all) == 1 for db in dbs)  # only the writing thread's connection is left open
    _write(dbs[0], 50)
    assert _wait_checkpointed(dbs[0].path)  # a later write is checkpointed again
    for db in dbs:
        db.close()


def test_a_write_racing_the_idle_exit_is_never_left_unchecked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The thread gives up after ~0 s idle, so writes keep landing while it is leaving: each must still be
    # checkpointed, by the leaving thread (taking its place back) or by a new one.
    monkeypatch.setattr(checkpoint, "IDLE_EXIT_S", 0.0005)
    monkeypatch.setattr(checkpoint, "CHECKPOINT_INTERVAL_S", 0.0)
    path = tmp_path / "race.db"
    db = Database(path, migrations=["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
    for n in range(300):
        _write(db, 1)
        if n % 3 == 0:
            time.sleep(0.0005 * (n % 5))
    assert _wait_checkpointed(path)
    db.close()
    assert not db._checkpointer._alive


class _WriteLandsAsTheThreadLeaves(threading.Event):
    """The first time the checkpoint thread finds no write, one lands right then, by a writer that saw the
    thread still serving and so started none (the interleaving a lock-free ``written()`` allows)."""

    raced = False

    def is_set(self) -> bool:
        found = super().is_set()
        if not found and not self.raced and threading.current_thread().name == "cortexbuild-checkpoint":
            self.raced = True
            super().set()
        return found


def test_the_leaving_thread_serves_a_write_that_saw_it_still_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "IDLE_EXIT_S", 0.01)
    monkeypatch.setattr(checkpoint, "CHECKPOINT_INTERVAL_S", 0.0)
    ran = threading.Event()
    calls: list[int] = []

    def run_checkpoint() -> None:
        calls.append(1)
        if len(calls) == 2:
            ran.set()

    checkpointer = checkpoint.Checkpointer(run_checkpoint, lambda: None)
    checkpointer._dirty = dirty = _WriteLandsAsTheThreadLeaves()
    checkpointer.written()  # starts the thread: one checkpoint, then idle, then the raced write
    assert ran.wait(5), "the raced write was never checkpointed"
    assert dirty.raced
    checkpointer.stop()
    assert not checkpointer._alive

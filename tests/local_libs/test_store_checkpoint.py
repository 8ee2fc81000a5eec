"""The store checkpoints the WAL from its own thread, and closing never races a running checkpoint."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from cortexbuild_sdk.local import store
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
    monkeypatch.setattr(store, "CHECKPOINT_INTERVAL_S", 0.0)
    for n in range(60):
        db = Database(tmp_path / f"c{n}.db", migrations=["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
        _write(db, 20)
        db.close()
        assert db.closed

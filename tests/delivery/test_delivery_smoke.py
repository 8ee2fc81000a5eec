from __future__ import annotations

import os

import pytest
from delivery_helpers import add_webhook, emit, logs
from receiver import Receiver

from cortexbuild_sdk.local.store import Database


def test_smoke(db: Database, receiver: Receiver, make_engine) -> None:  # type: ignore[no-untyped-def]
    wid = add_webhook(db, receiver.url("/a"))
    engine = make_engine()
    emit(engine)
    engine.drain(timeout=10)
    assert len(receiver.requests("/a")) == 1
    assert logs(db, wid)[0]["response_status"] == 200


def test_default_asyncio_loop_when_uvloop_is_absent(db: Database, receiver: Receiver, make_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from cortexbuild_sdk.local.delivery import lifecycle

    monkeypatch.setattr(lifecycle, "run_loop", asyncio.run)  # what loops.run_loop does without uvloop
    wid = add_webhook(db, receiver.url("/b"))
    engine = make_engine()
    engine.start()
    for _ in range(3):
        emit(engine)
    engine.drain(timeout=10)
    assert len(receiver.requests("/b")) == 3
    assert [row["response_status"] for row in logs(db, wid)] == [200, 200, 200]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_starting_and_stopping_again_and_again_holds_no_more_files_open(
    db: Database, receiver: Receiver, make_engine
) -> None:  # type: ignore[no-untyped-def]
    webhook_id = add_webhook(db, receiver.url("/hook"))

    def cycle() -> None:
        engine = make_engine()
        engine.start()
        emit(engine)
        engine.drain()
        engine.close()

    cycle()  # the first cycle opens what stays open (the receiver's sockets, the database's files)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(10):
        cycle()
    # Each engine's loop and database threads closed their connections (3 files each: db, -wal, -shm).
    assert len(os.listdir("/proc/self/fd")) - before < 6
    assert len(logs(db, webhook_id)) == 11

from __future__ import annotations

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

"""Concurrency limits, exact counters across two dispatchers, rate limits, sandboxes, SSRF, stop."""

from __future__ import annotations

import collections
import time

import pytest
from delivery_helpers import EngineFactory, add_webhook, deliveries, emit, logs, open_db, webhook
from receiver import Receiver, Reply

from cortexbuild_sdk.local.clock import ManualClock
from cortexbuild_sdk.local.delivery import DISABLED_MESSAGE, MAX_RESPONSE_BODY, AddressPolicy
from cortexbuild_sdk.local.delivery import attempt as attempt_module
from cortexbuild_sdk.local.store import Database


def test_two_dispatchers_never_double_send_and_counters_are_exact(
    db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    endpoints, events = 10, 150
    ids = [add_webhook(db, receiver.url(f"/e{i}")) for i in range(endpoints)]
    for i in range(endpoints):  # every 5th attempt fails: the run never reaches 10, nothing is disabled
        receiver.script(f"/e{i}", *([Reply(200)] * 4 + [Reply(500)]) * (events // 5))
    other = open_db(db.path)  # a second Database object: as a second process would have
    try:
        first = make_engine(concurrency=16, per_endpoint=4)
        second = make_engine(database=other, concurrency=16, per_endpoint=4)
        first.start()
        second.start()
        for _ in range(events):
            emit(first)
        second.notify()
        receiver.wait_for(endpoints * events, timeout=60)
        first.drain()
        second.drain()
    finally:
        other.close()
    requests = receiver.requests()
    per_id = collections.Counter(r.headers["webhook-id"] for r in requests)
    assert len(per_id) == endpoints * events
    assert set(per_id.values()) == {1}  # live claims are exclusive: no duplicate sends
    all_logs = logs(db)
    assert len(all_logs) == endpoints * events
    for wid in ids:
        state = webhook(db, wid)
        mine = [log for log in all_logs if log["webhook_id"] == wid]
        assert state["success_count"] == sum(log["succeeded"] for log in mine) == events * 4 // 5
        assert state["failure_count"] == sum(1 - log["succeeded"] for log in mine) == events // 5
        assert state["is_active"] == 1
    statuses = collections.Counter(d["status"] for d in deliveries(db))
    assert statuses == {"succeeded": endpoints * events * 4 // 5, "pending": endpoints * events // 5}


def test_global_and_per_endpoint_limits(db: Database, receiver: Receiver, make_engine: EngineFactory) -> None:
    for path in ("/slow1", "/slow2", "/slow3"):
        add_webhook(db, receiver.url(path))
        receiver.script(path, then=Reply(delay=0.15))
    engine = make_engine(concurrency=5, per_endpoint=2)
    engine.start()
    for _ in range(8):
        emit(engine)
    engine.drain()
    assert len(receiver.requests()) == 24
    assert max(receiver.max_in_flight.values()) == 2  # per endpoint
    assert sum(receiver.max_in_flight.values()) >= 5  # global limit 5 was used (2 + 2 + 1 at times)


def test_rate_limit_per_endpoint(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    add_webhook(db, receiver.url("/rl"), rate=2)
    engine = make_engine()
    for _ in range(6):
        emit(engine)
    engine.drain()  # a throttled backlog is deferred, so drain returns
    assert len(receiver.requests()) == 2  # the bucket holds max(1, rate) tokens
    for elapsed in range(1, 4):
        clock.advance(1)
        engine.drain()
        assert 2 + elapsed <= len(receiver.requests()) <= 2 + 2 * elapsed  # never above the rate
    clock.advance(1)
    engine.drain()
    assert len(receiver.requests()) == 6
    assert {d["status"] for d in deliveries(db)} == {"succeeded"}


def test_sandbox_records_without_sending(db: Database, receiver: Receiver, make_engine: EngineFactory) -> None:
    wid = add_webhook(db, receiver.url("/sb"))
    enabled = [False]
    engine = make_engine(send_enabled=lambda: enabled[0])
    emit(engine)
    engine.drain()
    assert receiver.requests() == []
    (log,) = logs(db)
    assert log["error_message"] == DISABLED_MESSAGE
    assert "webhooks disabled in this sandbox" in log["error_message"]
    assert log["response_status"] is None
    assert deliveries(db)[0]["status"] == "failed"
    state = webhook(db, wid)
    assert (state["success_count"], state["failure_count"], state["consecutive_failures"]) == (0, 0, 0)
    enabled[0] = True
    emit(engine)
    engine.drain()
    assert len(receiver.requests()) == 1


def test_ssrf_refusal_is_a_logged_failed_attempt(db: Database, receiver: Receiver, make_engine: EngineFactory) -> None:
    wid = add_webhook(db, receiver.url("/internal", host="localhost"))
    meta = add_webhook(db, "http://169.254.169.254/latest/meta-data/")
    engine = make_engine(policy=AddressPolicy(allow_loopback=False))
    emit(engine)
    engine.drain()
    assert receiver.requests() == []
    (log,) = logs(db, wid)
    assert "loopback address not allowed" in log["error_message"]
    assert "SSRF policy" in log["error_message"]
    assert log["response_status"] is None
    assert "cloud metadata address" in logs(db, meta)[0]["error_message"]
    assert webhook(db, wid)["failure_count"] == 1


def test_response_body_truncated_and_duration_logged(
    db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    add_webhook(db, receiver.url("/big"))
    receiver.script("/big", Reply(200, b"x" * 20_000, delay=0.1))
    engine = make_engine()
    emit(engine)
    engine.drain()
    (log,) = logs(db)
    assert len(log["response_body"]) == MAX_RESPONSE_BODY == 4096
    assert log["duration_ms"] >= 100


def test_timeout_is_a_failed_attempt(
    db: Database, receiver: Receiver, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attempt_module, "TIMEOUT", 0.2)
    add_webhook(db, receiver.url("/hang"))
    receiver.script("/hang", Reply(delay=2))
    engine = make_engine()
    emit(engine)
    engine.drain()
    (log,) = logs(db)
    assert log["error_message"].startswith("timed out after 0.2 s")
    assert deliveries(db)[0]["status"] == "pending"


def test_connection_refused_is_a_failed_attempt(db: Database, make_engine: EngineFactory) -> None:
    add_webhook(db, "http://127.0.0.1:9/closed")
    engine = make_engine()
    emit(engine)
    engine.drain()
    assert logs(db)[0]["error_message"].startswith("ConnectError")


def test_stop_finishes_in_flight_attempts(db: Database, receiver: Receiver, make_engine: EngineFactory) -> None:
    add_webhook(db, receiver.url("/slow"))
    receiver.script("/slow", Reply(delay=0.3))
    engine = make_engine()
    engine.start()
    emit(engine)
    receiver.wait_for(1)
    started = time.monotonic()
    engine.stop()
    assert not engine.running
    assert time.monotonic() - started < 5
    assert deliveries(db)[0]["status"] == "succeeded"
    assert len(logs(db)) == 1
    engine.stop()  # idempotent

"""The routes' operations: test send, retry of one log entry, recover."""

from __future__ import annotations

import json

import pytest
import standardwebhooks
from delivery_helpers import SECRET, EngineFactory, add_webhook, deliveries, emit, logs, webhook
from receiver import Receiver, Reply

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.local.clock import ManualClock
from cortexbuild_sdk.local.delivery import DISABLED_MESSAGE, LOG_COLUMNS, LogNotFoundError, WebhookNotFoundError
from cortexbuild_sdk.local.store import Database


@pytest.mark.parametrize("started", [False, True])
def test_send_test_delivers_webhook_test_and_logs_it(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock, started: bool
) -> None:
    wid = add_webhook(db, receiver.url("/t"), events=["invoice.paid"])
    engine = make_engine()
    if started:
        engine.start()
    assert engine.send_test(wid) == (True, None)
    (request,) = receiver.requests("/t")
    body = json.loads(request.body)
    assert body["event"] == request.headers["x-cortexbuild-event"] == "webhook.test"
    assert body["data"]["webhook_id"] == wid
    webhooks.verify(request.body, request.headers, SECRET, now=clock.now())
    standardwebhooks.Webhook(webhooks.standard_secret(SECRET)).verify(request.body, request.headers)
    (log,) = logs(db)
    assert (log["event_type"], log["attempt"], log["response_status"]) == ("webhook.test", 1, 200)
    assert webhook(db, wid)["success_count"] == 1
    engine.drain()
    assert len(receiver.requests()) == 1  # a test delivery is never picked up again by the dispatcher


def test_send_test_reports_failures(db: Database, receiver: Receiver, make_engine: EngineFactory) -> None:
    wid = add_webhook(db, receiver.url("/t"))
    receiver.script("/t", Reply(500))
    engine = make_engine()
    assert engine.send_test(wid) == (False, "endpoint answered HTTP 500")
    clock_engine = make_engine(send_enabled=False)
    assert clock_engine.send_test(wid) == (False, DISABLED_MESSAGE)
    with pytest.raises(WebhookNotFoundError):
        engine.send_test(999)
    assert webhook(db, wid)["failure_count"] == 1
    assert [d["status"] for d in deliveries(db)] == ["failed", "failed"]


def test_retry_log_resends_that_payload_as_a_new_attempt(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/r"))
    receiver.script("/r", Reply(500))
    engine = make_engine()
    event_id = emit(engine, "rfi.answered", {"rfi": {"id": 3}})
    engine.drain()
    (first,) = logs(db)
    clock.advance(1)
    new = engine.retry_log(wid, first["id"])
    assert list(new) == list(LOG_COLUMNS)
    assert (new["attempt"], new["response_status"], new["delivery_id"]) == (2, 200, first["delivery_id"])
    assert new["event_id"] == event_id
    requests = receiver.requests("/r")
    assert [r.headers["webhook-id"] for r in requests] == [first["delivery_id"]] * 2
    original, again = (json.loads(r.body) for r in requests)
    assert again == {**original, "timestamp": original["timestamp"] + 1000}  # same payload, fresh stamp
    webhooks.verify(requests[1].body, requests[1].headers, SECRET, now=clock.now())
    assert deliveries(db)[0]["status"] == "succeeded"
    clock.advance(60)
    engine.drain()
    assert len(receiver.requests()) == 2  # the succeeded delivery is not retried by the schedule
    other = add_webhook(db, receiver.url("/other"))
    with pytest.raises(LogNotFoundError):
        engine.retry_log(other, first["id"])  # another webhook's log
    with pytest.raises(WebhookNotFoundError):
        engine.retry_log(999, first["id"])
    with pytest.raises(LogNotFoundError):
        engine.retry_log(wid, 12345)


def test_recover_requeues_failed_deliveries_since(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/rc"))
    enabled = [False]
    engine = make_engine(send_enabled=lambda: enabled[0])
    emit(engine)
    since = int(clock.now() * 1000) + 1
    clock.advance(1)
    emit(engine)
    emit(engine)
    engine.send_test(wid)
    engine.drain()
    assert {d["status"] for d in deliveries(db)} == {"failed"}
    enabled[0] = True
    assert engine.recover(wid, since) == 2  # the older one and the test delivery are not re-queued
    engine.drain()
    assert len(receiver.requests()) == 2
    assert [d["status"] for d in deliveries(db)] == ["failed", "succeeded", "succeeded", "failed"]
    assert engine.recover(wid, since) == 0
    with pytest.raises(WebhookNotFoundError):
        engine.recover(999, 0)

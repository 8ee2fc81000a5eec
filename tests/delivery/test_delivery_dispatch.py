"""The dispatcher against a real loopback receiver: signatures, retries, Retry-After, 410, auto-disable."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json

import standardwebhooks
from delivery_helpers import SECRET, EngineFactory, add_webhook, deliveries, emit, logs, webhook
from receiver import Receiver, Reply

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.local.clock import ManualClock
from cortexbuild_sdk.local.delivery import AUTO_DISABLE_AFTER, RETRY_SCHEDULE
from cortexbuild_sdk.local.store import Database


def _set(db: Database, webhook_id: int, **values: object) -> None:
    with db.write() as conn:
        for column, value in values.items():
            conn.execute(f"UPDATE webhooks SET {column} = ? WHERE id = ?", (value, webhook_id))


def test_delivery_is_signed_for_both_schemes(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/a"))
    engine = make_engine()
    engine.start()
    event_id = emit(engine, "invoice.paid", {"invoice": {"id": 9, "total": 12.5, "note": "ünïcode"}})
    (request,) = receiver.wait_for(1, "/a")
    engine.drain()
    (row,) = deliveries(db)
    (log,) = logs(db)
    h = request.headers
    assert h["x-cortexbuild-event"] == "invoice.paid"
    assert h["x-cortexbuild-webhook-id"] == str(wid)
    assert h["x-cortexbuild-delivery-id"] == h["webhook-id"] == row["id"] == log["delivery_id"]
    assert h["content-type"] == "application/json"
    # The seed's receiver: hex HMAC-SHA256 of the raw body with the secret's UTF-8 bytes.
    assert h["x-cortexbuild-signature"] == hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    webhooks.verify(request.body, h, SECRET, now=clock.now())
    webhooks.verify(request.body, {k: v for k, v in h.items() if not k.startswith("webhook-")}, SECRET, now=clock.now())
    standardwebhooks.Webhook(webhooks.standard_secret(SECRET)).verify(request.body, h)
    body = json.loads(request.body)
    assert body["id"] == event_id
    assert body["timestamp"] == int(h["x-cortexbuild-timestamp"])
    assert log["payload"] == request.body.decode()
    assert (log["response_status"], log["attempt"], log["event_id"], log["succeeded"]) == (200, 1, event_id, 1)
    state = webhook(db, wid)
    assert (state["success_count"], state["failure_count"], state["consecutive_failures"]) == (1, 0, 0)
    assert state["last_triggered_at"] == log["delivered_at"] == int(clock.now() * 1000)
    assert row["status"] == "succeeded"


def test_rotation_signs_with_current_and_previous_secret(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/a"), secret="new-secret")
    _set(db, wid, previous_secret="old-secret", previous_secret_expires_at=int(clock.now() * 1000) + 86_400_000)
    engine = make_engine()
    emit(engine)
    engine.drain()
    (request,) = receiver.requests("/a")
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    webhooks.verify(request.body, request.headers, "old-secret", now=clock.now())
    standardwebhooks.Webhook(webhooks.standard_secret("old-secret")).verify(request.body, request.headers)


def test_retry_schedule_walk_then_failed(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/down"))
    receiver.script("/down", then=Reply(500, b"boom"))
    engine = make_engine()
    engine.start()
    emit(engine)
    engine.drain()
    assert len(receiver.requests()) == 1
    for step, delay in enumerate(RETRY_SCHEDULE[1:], start=2):
        clock.advance(delay * 0.79)  # before the earliest jittered time: nothing is due
        engine.drain()
        assert len(receiver.requests()) == step - 1
        clock.advance(delay * 0.42)  # past the latest jittered time
        engine.drain()
        assert len(receiver.requests()) == step
        request = receiver.requests()[-1]
        webhooks.verify(request.body, request.headers, SECRET, now=clock.now())  # re-stamped: still fresh
    clock.advance(10 * 86400)
    engine.drain()
    requests = receiver.requests()
    assert len(requests) == len(RETRY_SCHEDULE) == 8
    assert len({r.headers["x-cortexbuild-delivery-id"] for r in requests}) == 1  # the receivers' dedup key
    assert len({json.loads(r.body)["id"] for r in requests}) == 1
    (row,) = deliveries(db)
    assert (row["status"], row["attempts"], row["last_status"]) == ("failed", 8, 500)
    assert [log["attempt"] for log in logs(db)] == list(range(1, 9))
    assert all(
        log["response_body"] == "boom" and log["error_message"] == "endpoint answered HTTP 500" for log in logs(db)
    )
    state = webhook(db, wid)
    assert (state["failure_count"], state["consecutive_failures"], state["is_active"]) == (8, 8, 1)


def test_retry_after_longer_than_the_schedule_is_honoured(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    add_webhook(db, receiver.url("/busy"))
    receiver.script("/busy", Reply(429, headers={"Retry-After": "120"}))
    engine = make_engine()
    emit(engine)
    engine.drain()
    (first,) = logs(db)
    assert deliveries(db)[0]["next_attempt_at"] == first["delivered_at"] + 120_000
    clock.advance(10)  # the schedule alone would have retried by now
    engine.drain()
    assert len(receiver.requests()) == 1
    clock.advance(111)
    engine.drain()
    assert [r["response_status"] for r in logs(db)] == [429, 200]
    assert deliveries(db)[0]["status"] == "succeeded"


def test_410_disables_at_once_and_reenabling_resumes_pending(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/gone"))
    receiver.script("/gone", Reply(410))
    engine = make_engine()
    engine.start()
    emit(engine)
    engine.drain()
    state = webhook(db, wid)
    assert state["is_active"] == 0
    assert state["disabled_reason"] == "endpoint answered 410 Gone"
    assert state["disabled_at"] == logs(db)[0]["delivered_at"]
    clock.advance(3600)
    engine.drain()
    assert len(receiver.requests()) == 1  # disabled: nothing sent, and the delivery is not failed
    assert deliveries(db)[0]["status"] == "pending"
    _set(db, wid, is_active=1)  # what the backend's PATCH does
    engine.notify()
    engine.drain()
    assert len(receiver.requests()) == 2
    assert deliveries(db)[0]["status"] == "succeeded"
    state = webhook(db, wid)
    assert (state["disabled_reason"], state["disabled_at"], state["consecutive_failures"]) == (None, None, 0)


def test_auto_disable_after_ten_consecutive_failed_attempts(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/flaky"))
    receiver.script("/flaky", *[Reply(500)] * 9, Reply(200), *[Reply(503)] * 10, then=Reply(500))
    engine = make_engine(per_endpoint=1)
    for n in range(1, 21):
        emit(engine)
        engine.drain()
        state = webhook(db, wid)
        if n <= 9:
            assert (state["consecutive_failures"], state["is_active"]) == (n, 1)
        elif n == 10:  # a success resets the run (the seed's platform counts total failures instead)
            assert (state["consecutive_failures"], state["success_count"]) == (0, 1)
        elif n < 20:
            assert (state["consecutive_failures"], state["is_active"]) == (n - 10, 1)
    state = webhook(db, wid)
    assert state["consecutive_failures"] == AUTO_DISABLE_AFTER
    assert state["is_active"] == 0
    assert state["disabled_reason"] == "10 consecutive failed delivery attempts"
    assert state["disabled_at"] == int(clock.now() * 1000)
    assert (state["failure_count"], state["success_count"]) == (19, 1)
    assert sorted({d["status"] for d in deliveries(db)}) == ["pending", "succeeded"]  # pending, not failed
    emit(engine)
    assert len(deliveries(db)) == 20  # a disabled endpoint gets no new deliveries
    # Re-enabled with the old run left in place: the next failure starts a new run instead of re-disabling.
    _set(db, wid, is_active=1)
    clock.advance(7)
    engine.drain(timeout=30)
    state = webhook(db, wid)
    assert state["is_active"] == 0  # 19 retries fell due; all failed; the new run reached 10 again
    assert state["consecutive_failures"] == AUTO_DISABLE_AFTER
    assert state["failure_count"] == 29


def test_reenable_starts_a_new_failure_run(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: ManualClock
) -> None:
    wid = add_webhook(db, receiver.url("/x"))
    _set(db, wid, is_active=1, consecutive_failures=10, disabled_reason="old", disabled_at=1)
    receiver.script("/x", Reply(500))
    engine = make_engine()
    emit(engine)
    engine.drain()
    state = webhook(db, wid)
    assert (state["is_active"], state["consecutive_failures"], state["disabled_reason"]) == (1, 1, None)


def test_no_cookie_jar_and_encoded_responses_are_logged_decoded(
    db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    # Attempts bypass httpx.AsyncClient: no cookie is kept and replayed (to this or another endpoint),
    # and a gzip-encoded answer is still logged as text.
    add_webhook(db, receiver.url("/a"))
    receiver.script(
        "/a",
        Reply(body=gzip.compress(b"stored!"), headers={"Content-Encoding": "gzip", "Set-Cookie": "session=abc"}),
    )
    engine = make_engine()
    emit(engine)
    engine.drain()
    emit(engine)
    engine.drain()
    first, second = receiver.requests()
    assert "cookie" not in first.headers and "cookie" not in second.headers
    assert first.headers["user-agent"].startswith("CortexBuild-Webhooks/")
    assert [log["response_body"] for log in logs(db)] == ["stored!", "ok"]

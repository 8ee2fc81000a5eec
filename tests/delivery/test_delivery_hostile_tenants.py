"""Hostile tenants: extreme settings, delete mid-flight, a 100k backlog behind a disabled endpoint, many slow
endpoints. Each asserts that another account's deliveries keep flowing within a stated bound and that
nothing is lost or attributed to the wrong webhook."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

import pytest
from delivery_helpers import EngineFactory, add_webhook, deliveries, logs, plain_secrets, webhook
from receiver import Receiver, Reply

from cortexbuild_sdk.local.delivery import attempt as attempt_module
from cortexbuild_sdk.local.delivery.claim import ENDPOINTS_SQL, ROWS_SQL
from cortexbuild_sdk.local.delivery.outbox import _FAN_OUT
from cortexbuild_sdk.local.store import Database

FLOW_BOUND = 3.0
"""Seconds within which the victim account's deliveries must all arrive, whatever the other tenant does."""


def emit_for(engine: Any, account_id: int, n: int = 1) -> None:
    for i in range(n):
        engine.emit(
            account_id=account_id,
            company_id=f"c{account_id}",
            user_id=f"u{account_id}",
            event="task.created",
            data={"task": {"id": i}},
        )


def assert_victim_flows(engine: Any, receiver: Receiver, n: int = 5, bound: float = FLOW_BOUND) -> None:
    started = time.monotonic()
    emit_for(engine, 1, n)
    receiver.wait_for(n, "/victim", timeout=bound)
    assert time.monotonic() - started <= bound


def test_extreme_settings_are_refused_at_the_api() -> None:
    from cortexbuild_sdk import BadRequestError, CortexBuild

    with CortexBuild.local() as client:
        for rate in (1e-300, 0.001, 1e9, -1, 0):
            with pytest.raises(BadRequestError):
                client.webhooks.create(name="x", url="https://example.com/h", events=["*"], rate_limit_per_second=rate)
        hook = client.webhooks.create(name="x", url="https://example.com/h", events=["*"], rate_limit_per_second=0.01)
        with pytest.raises(BadRequestError):
            client.webhooks.update(hook.id, rate_limit_per_second=1e-300)


def test_bad_rows_are_skipped_and_logged_and_others_flow(
    db: Database, receiver: Receiver, make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows written behind the API's back (another process, an old version): absurd rate, bad events JSON,
    a secret that cannot be read. The claim skips them and logs; the other account is served."""
    tiny = add_webhook(db, receiver.url("/tiny"), account_id=2, rate=1e-300)
    huge = add_webhook(db, receiver.url("/huge-rate"), account_id=2, rate=1e300)
    broken = add_webhook(db, receiver.url("/broken"), account_id=2)
    with db.write() as conn:
        conn.execute("UPDATE webhooks SET rate_limit_per_second = 'fast' WHERE id = ?", (huge,))
    add_webhook(db, receiver.url("/victim"), account_id=1)

    def secrets(conn: sqlite3.Connection, webhook_id: int, now_ms: int) -> list[str]:
        if webhook_id == broken:
            raise ValueError("the sealed secret cannot be opened")
        return plain_secrets(conn, webhook_id, now_ms)

    engine = make_engine(signing_secrets=secrets)
    engine.start()
    emit_for(engine, 2, 3)
    with db.write() as conn:  # and a webhook whose events column is not JSON subscribes nothing, breaks nothing
        conn.execute("UPDATE webhooks SET events = 'not json' WHERE id = ?", (tiny,))
    assert_victim_flows(engine, receiver)
    engine.drain()
    assert "cannot claim deliveries of webhook" in caplog.text
    assert logs(db, broken) == []  # skipped, not lost: still pending
    assert all(d["status"] == "pending" for d in deliveries(db) if d["webhook_id"] == broken)


def test_delete_mid_flight_cancels_and_never_misattributes(
    db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    receiver.script("/doomed", then=Reply(delay=0.5))
    doomed = add_webhook(db, receiver.url("/doomed"), account_id=2)
    keeper = add_webhook(db, receiver.url("/keeper"), account_id=2)
    engine = make_engine(per_endpoint=4)
    engine.start()
    emit_for(engine, 2, 8)
    receiver.wait_for(4, "/doomed")  # four attempts in flight, four pending
    with db.write() as conn:
        conn.execute("DELETE FROM webhooks WHERE id = ?", (doomed,))  # what the API's delete does
    new = add_webhook(db, receiver.url("/victim"), account_id=3)
    assert new > doomed  # ids are never reused
    time.sleep(0.8)  # the in-flight attempts end after the delete
    engine.drain()
    assert len(receiver.requests("/doomed")) == 4  # the pending four were cancelled
    with db.read() as conn:
        orphans = conn.execute("SELECT COUNT(*) FROM webhook_logs WHERE webhook_id = ?", (doomed,)).fetchone()[0]
    assert orphans == 0
    assert logs(db, new) == [] and webhook(db, new)["failure_count"] == webhook(db, new)["success_count"] == 0
    # The same record batches carried the keeper's results: none was lost to the deleted webhook's rows.
    assert len(logs(db, keeper)) == 8 and webhook(db, keeper)["success_count"] == 8


def _bulk_backlog(db: Database, webhook_id: int, n: int, *, now_ms: int) -> None:
    """``n`` pending deliveries for one webhook, with fast SQL (one event, n fan-out rows)."""
    payload = json.dumps(
        {"event": "task.created", "timestamp": now_ms, "data": {}, "company_id": "c", "user_id": "u", "id": "evt_bulk"},
        separators=(",", ":"),
    )
    with db.write() as conn:
        conn.execute(
            "INSERT INTO webhook_events (id, account_id, event_type, payload, created_at) VALUES"
            " ('evt_bulk', 2, 'task.created', ?, ?)",
            (payload, now_ms),
        )
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO webhook_deliveries (id, event_id, webhook_id, next_attempt_at, created_at, updated_at)"
            " SELECT printf('msg_bulk%08d', i), 'evt_bulk', ?, ?, ?, ? FROM n",
            (n, webhook_id, now_ms, now_ms, now_ms),
        )


def test_explain_claim_and_emit_use_indexes_only(db: Database) -> None:
    with db.read() as conn:
        plans = [
            " | ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
            for sql, params in (
                (ENDPOINTS_SQL, ()),
                (ROWS_SQL, (1, 0, 10)),
                (_FAN_OUT, {"now": 0, "event_id": "evt_x", "account": 1, "event": "task.created", "wildcard": "*"}),
            )
        ]
    assert "USING INDEX webhook_deliveries_ready" in plans[0] and "USING INDEX webhook_deliveries_ready" in plans[1]
    assert "SEARCH s USING PRIMARY KEY (account_id=? AND event=?)" in plans[2]
    for plan in plans:  # every table is reached by a seek, none is walked
        for name in ("webhook_deliveries", "webhook_subscriptions", "webhooks", "webhook_events", "d", "e", "s", "w"):
            assert f"SCAN {name} " not in plan + " ", plan


@pytest.mark.slow
def test_100k_backlog_behind_a_disabled_endpoint(
    db: Database, receiver: Receiver, make_engine: EngineFactory, clock: Any
) -> None:
    parked = add_webhook(db, receiver.url("/parked"), account_id=2)
    add_webhook(db, receiver.url("/victim"), account_id=1)
    now = int(clock.now() * 1000)
    _bulk_backlog(db, parked, 100_000, now_ms=now)
    with db.write() as conn:
        conn.execute("UPDATE webhooks SET is_active = 0 WHERE id = ?", (parked,))  # parks the 100k
    import resource

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = make_engine()
    engine.start()
    claims: list[float] = []
    real_claim = engine._claim_tx

    def timed(*args: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_claim(*args)
        finally:
            claims.append(time.perf_counter() - t)

    engine._claim_tx = timed  # type: ignore[method-assign]
    assert_victim_flows(engine, receiver, 20)
    engine.drain()
    assert receiver.requests("/parked") == []
    assert max(claims) < 0.05, claims  # each claim stays O(batch): it never walks the parked rows
    with db.write() as conn:  # re-enable: the backlog resumes
        conn.execute("UPDATE webhooks SET is_active = 1 WHERE id = ?", (parked,))
    engine.notify()
    receiver.wait_for(50, "/parked", timeout=10)
    engine.stop()
    with db.read() as conn:
        total = conn.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?", (parked,)).fetchone()[0]
    assert total == 100_000  # nothing lost
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before < 100  # MB: never loaded whole


@pytest.mark.slow
def test_many_slow_endpoints_leave_slots_for_other_accounts(
    db: Database, receiver: Receiver, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    """Account 2's 16 endpoints all trickle and each has a backlog: with 16 slots and 4 per endpoint they
    could take every slot; the account cap keeps a quarter free, so account 1 is served at once."""
    monkeypatch.setattr(attempt_module, "TIMEOUT", 4.0)  # the victim's bound below is far shorter
    slow = []
    for i in range(16):
        receiver.script(f"/slow{i}", then=Reply(body=b"slow", trickle=0.2))
        slow.append(add_webhook(db, receiver.url(f"/slow{i}"), account_id=2))
    _bulk_backlog(db, slow[0], 10_000, now_ms=int(clock.now() * 1000))  # and a saturated 10k backlog
    add_webhook(db, receiver.url("/victim"), account_id=1)
    engine = make_engine(concurrency=16, per_endpoint=4)
    engine.start()
    emit_for(engine, 2, 8)
    time.sleep(0.5)  # account 2 holds every slot it may
    assert_victim_flows(engine, receiver, 10, bound=1.5)
    engine.stop()
    with db.read() as conn:
        rows = conn.execute("SELECT webhook_id FROM webhook_logs WHERE event_type = 'task.created'").fetchall()
    assert sum(1 for (wid,) in rows if wid not in slow) == 10


def test_one_bad_outcome_never_rolls_back_the_batch(
    db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    """The bulk write of a batch fails on one outcome (here: a body SQLite refuses); the batch is written
    again outcome by outcome and only that one is lost (its delivery keeps its lease and is re-sent)."""
    import dataclasses
    import random

    from cortexbuild_sdk.local.delivery.store import record

    first = add_webhook(db, receiver.url("/a"))
    second = add_webhook(db, receiver.url("/b"))
    engine = make_engine()
    emit_for(engine, 1, 3)
    with db.write() as conn:
        from cortexbuild_sdk.local.delivery.claim import Limits, TokenBuckets, claim

        jobs = claim(
            conn,
            owner="me",
            now_ms=int(time.time() * 1000) + 10**6,
            limits=Limits(64, 8, 64),
            busy={},
            account_busy={},
            buckets=TokenBuckets(),
            secrets=plain_secrets,
        ).jobs
    assert len(jobs) == 6
    from cortexbuild_sdk.local.delivery.attempt import Outcome

    outcomes = [Outcome(job, job.payload, 1, 5, 200, "ok") for job in jobs]
    outcomes[2] = dataclasses.replace(outcomes[2], body=None)  # type: ignore[arg-type]  # NOT NULL fails
    with db.write() as conn:
        ids = record(conn, outcomes, owner="me", rng=random.Random(1))
    assert ids[2] == 0 and all(ids[i] for i in (0, 1, 3, 4, 5))
    assert len(logs(db, first)) + len(logs(db, second)) == 5
    assert webhook(db, first)["success_count"] + webhook(db, second)["success_count"] == 5
    states = {d["id"]: d["status"] for d in deliveries(db)}
    assert states[jobs[2].delivery_id] == "pending" and sum(s == "succeeded" for s in states.values()) == 5


def test_a_new_delivery_enters_one_index_and_the_rare_paths_still_seek(db: Database) -> None:
    """An emit's rows are in the primary key and the claim's index only (each index keyed on the webhook costs a
    page per subscriber at every emit); parking, un-parking, requeueing failed rows and the cancel on delete reach
    only the rows they change (partial indexes), never the webhook's whole history."""
    with db.read() as conn:
        indexes = dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_deliveries'"
                " AND sql IS NOT NULL"
            ).fetchall()
        )
        assert set(indexes) == {
            "webhook_deliveries_ready",
            "webhook_deliveries_parked",
            "webhook_deliveries_failed",
            "webhook_deliveries_succeeded",
        }
        for name, sql in indexes.items():  # a new row is pending and not parked: in the claim's index alone
            where = sql.split("WHERE", 1)[1]
            assert (name == "webhook_deliveries_ready") == ("status = 'pending' AND parked = 0" in where), sql

        def statements(trigger_name: str) -> list[str]:
            (trigger,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (trigger_name,)).fetchone()
            return [s.strip() for s in trigger.split("BEGIN", 1)[1].rsplit("END", 1)[0].split(";") if s.strip()]

        park, unpark = statements("webhook_deliveries_park")
        cancel = statements("webhook_deliveries_cancel")
        requeue = (
            "UPDATE webhook_deliveries SET status = 'pending' WHERE webhook_id = 1 AND status = 'failed'"
            " AND created_at >= 0"
        )
        expected = {
            park.replace("NEW.is_active", "0").replace("NEW.id", "1"): "webhook_deliveries_ready",
            unpark.replace("NEW.is_active", "1").replace("NEW.id", "1"): "webhook_deliveries_parked",
            requeue: "webhook_deliveries_failed",
        }
        for sql, index in zip(
            cancel,
            (
                "webhook_deliveries_ready",
                "webhook_deliveries_parked",
                "webhook_deliveries_failed",
                "webhook_deliveries_succeeded",
            ),
            strict=True,
        ):
            expected[sql.replace("OLD.id", "1")] = index
        for sql, index in expected.items():
            plan = " | ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert f"USING INDEX {index} " in plan, (sql, plan)

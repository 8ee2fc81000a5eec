"""Outbox: validation, payload shape, fan-out rows written in the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from delivery_helpers import add_webhook, deliveries, open_db

from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.local.delivery import (
    DELIVERY_SCHEMA,
    MAX_PAYLOAD_BYTES,
    InvalidPayloadError,
    PayloadTooLargeError,
    UnknownEventError,
    emit,
)
from cortexbuild_sdk.local.delivery.outbox import restamp
from cortexbuild_sdk.local.store import Database

NOW = 1_760_000_000_000


def _emit(conn: sqlite3.Connection, event: str = "invoice.paid", data: object = None, account: int = 1) -> str:
    return emit(
        conn,
        account_id=account,
        company_id="company-1",
        user_id="user-1",
        event=event,
        data={"invoice": {"id": 7}} if data is None else data,  # type: ignore[arg-type]
        now_ms=NOW,
    )


def _events(db: Database) -> list[dict[str, object]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM webhook_events").fetchall()]


def test_schema_runs_in_one_executescript_and_is_idempotent(tmp_path: Path) -> None:
    open_db(tmp_path / "schema.db").close()  # the backend's migration applies it once
    conn = sqlite3.connect(tmp_path / "schema.db")
    conn.executescript(DELIVERY_SCHEMA)  # and applying it again is harmless
    columns = [r[1] for r in conn.execute("PRAGMA table_info(webhook_logs)")]
    conn.close()
    assert columns[:12] == [
        "id", "webhook_id", "event_type", "payload", "response_status", "response_body", "error_message",
        "delivered_at", "attempt", "delivery_id", "duration_ms", "event_id",
    ]  # fmt: skip


def test_fan_out_to_subscribed_active_webhooks_of_the_account(db: Database) -> None:
    star = add_webhook(db, "http://127.0.0.1:1/a", events=["*"])
    paid = add_webhook(db, "http://127.0.0.1:1/b", events=["invoice.paid", "task.created"])
    add_webhook(db, "http://127.0.0.1:1/c", events=["invoice.sent"])
    add_webhook(db, "http://127.0.0.1:1/d", events=["*"], active=False)
    add_webhook(db, "http://127.0.0.1:1/e", events=["*"], account_id=2)
    with db.write() as conn:
        event_id = _emit(conn)
    rows = deliveries(db)
    assert sorted(r["webhook_id"] for r in rows) == [star, paid]
    assert all(r["status"] == "pending" and r["event_id"] == event_id for r in rows)
    assert all(r["id"].startswith("msg_") and r["next_attempt_at"] == NOW for r in rows)
    assert len({r["id"] for r in rows}) == 2
    (event,) = _events(db)
    body = json.loads(str(event["payload"]))
    assert list(body) == ["event", "timestamp", "data", "company_id", "user_id", "id"]
    assert body == {
        "event": "invoice.paid",
        "timestamp": NOW,
        "data": {"invoice": {"id": 7}},
        "company_id": "company-1",
        "user_id": "user-1",
        "id": event_id,
    }
    assert event_id.startswith("evt_")


def test_every_catalogue_event_is_accepted(db: Database) -> None:
    add_webhook(db, "http://127.0.0.1:1/a")
    with db.write() as conn:
        for event in EVENT_TYPES:
            _emit(conn, event)
    assert len(deliveries(db)) == 24


@pytest.mark.parametrize(
    ("event", "data", "error"),
    [
        ("project.exploded", {}, UnknownEventError),
        ("webhook.test", {}, UnknownEventError),
        ("*", {}, UnknownEventError),
        ("project.created", ["not", "an", "object"], InvalidPayloadError),
        ("project.created", {"x": float("nan")}, InvalidPayloadError),
        ("project.created", {"x": {1, 2}}, InvalidPayloadError),
        ("project.created", {"blob": "x" * MAX_PAYLOAD_BYTES}, PayloadTooLargeError),
    ],
)
def test_bad_input_raises_a_typed_error_and_writes_nothing(
    db: Database, event: str, data: object, error: type[Exception]
) -> None:
    add_webhook(db, "http://127.0.0.1:1/a")
    with pytest.raises(error), db.write() as conn:
        _emit(conn, event, data)
    assert deliveries(db) == []
    assert _events(db) == []


def test_payload_limit_counts_utf8_bytes(db: Database) -> None:
    with db.write() as conn:
        _emit(conn, data={"s": "x" * (MAX_PAYLOAD_BYTES - 200)})
    with pytest.raises(PayloadTooLargeError, match="limit is 262144 bytes"), db.write() as conn:
        _emit(conn, data={"s": "é" * (MAX_PAYLOAD_BYTES // 2)})


def test_rows_roll_back_with_the_callers_transaction(db: Database) -> None:
    add_webhook(db, "http://127.0.0.1:1/a")

    class Boom(Exception):
        pass

    def emit_then_fail() -> None:
        with db.write() as conn:
            _emit(conn)
            raise Boom

    with pytest.raises(Boom):
        emit_then_fail()
    assert deliveries(db) == []
    assert _events(db) == []


def test_restamp_changes_only_the_timestamp() -> None:
    from cortexbuild_sdk.local.delivery.outbox import build_payload

    body = build_payload(
        event="task.created", timestamp_ms=5, data={"a": ",", "t": 5}, company_id="c", user_id="u", event_id="evt_1"
    )
    again = json.loads(restamp(body, "task.created", 1_760_000_000_123))
    assert again == {**json.loads(body), "timestamp": 1_760_000_000_123}
    with pytest.raises(ValueError, match="build_payload"):
        restamp('{"x":1}', "task.created", 1)

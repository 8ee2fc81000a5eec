"""The delivery engine's second schema step (``_v_delivery`` in ``local/schema.py``), data kept.

- ``webhooks`` and ``webhook_logs`` become ``AUTOINCREMENT``: an id is never handed out twice, so an
  attempt still in flight for a deleted webhook can never be logged or counted on a new one.
- ``webhook_deliveries.parked``: the pending deliveries of a disabled endpoint leave the claim indexes
  (a trigger parks them when ``is_active`` drops to 0 and resumes them when it returns to 1).
- ``webhook_subscriptions``: one row per (account, event, webhook), kept by triggers in the same
  transaction as any write to ``webhooks``, so an emit reads only its subscribers.

SQLite cannot add AUTOINCREMENT in place, and with foreign keys on, dropping ``webhooks`` would cascade
into its children; so the three tables are renamed aside, recreated, copied and the old ones dropped
children-first (nothing references them by then, so no cascade fires).
"""

from __future__ import annotations

import sqlite3
from typing import Final

from ..store import run_script
from .schema import LOG_COLUMNS

_WEBHOOK_COLUMNS: Final = (
    "id, account_id, user_id, company_id, name, url, events, secret, previous_secret,"
    " previous_secret_expires_at, is_active, success_count, failure_count, consecutive_failures,"
    " disabled_reason, disabled_at, last_triggered_at, rate_limit_per_second, created_at, updated_at"
)
_LOG_COLUMNS: Final = ", ".join((*LOG_COLUMNS, "succeeded"))
_DELIVERY_COLUMNS: Final = (
    "id, event_id, webhook_id, status, attempts, scheduled_attempts, next_attempt_at, lease_owner,"
    " lease_expires_at, last_attempt_at, last_status, last_error, created_at, updated_at, completed_at"
)

_ASIDE: Final = """
DROP INDEX IF EXISTS webhooks_account;
DROP INDEX IF EXISTS webhook_deliveries_due;
DROP INDEX IF EXISTS webhook_deliveries_webhook;
DROP INDEX IF EXISTS webhook_deliveries_event;
DROP INDEX IF EXISTS webhook_logs_webhook;
DROP INDEX IF EXISTS webhook_logs_delivery;
ALTER TABLE webhook_deliveries RENAME TO _old_webhook_deliveries;
ALTER TABLE webhook_logs RENAME TO _old_webhook_logs;
ALTER TABLE webhooks RENAME TO _old_webhooks;
"""

_TABLES: Final = """
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,                -- JSON array
    secret TEXT NOT NULL,                -- sealed
    previous_secret TEXT,                -- sealed; valid until previous_secret_expires_at
    previous_secret_expires_at INTEGER,
    is_active INTEGER NOT NULL DEFAULT 1,
    success_count INTEGER NOT NULL DEFAULT 0,
    failure_count INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    disabled_at INTEGER,
    last_triggered_at INTEGER,
    rate_limit_per_second REAL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,                       -- msg_..., sent as X-CortexBuild-Delivery-Id / webhook-id
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,  -- delete cancels
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    scheduled_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,          -- while claimed: the lease expiry (due again if we crash)
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    parked INTEGER NOT NULL DEFAULT 0          -- 1 while the webhook is disabled: out of the claim indexes
);
CREATE INDEX webhook_deliveries_ready
    ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending' AND parked = 0;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, status, created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    error_message TEXT,
    delivered_at INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    delivery_id TEXT,
    duration_ms INTEGER,
    event_id TEXT,
    succeeded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_logs_webhook ON webhook_logs (webhook_id, id);
CREATE INDEX webhook_logs_delivery ON webhook_logs (delivery_id);

CREATE TABLE webhook_subscriptions (
    account_id INTEGER NOT NULL,
    event TEXT NOT NULL,                       -- a catalogue event or '*'
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, event, webhook_id)
) WITHOUT ROWID;
CREATE INDEX webhook_subscriptions_webhook ON webhook_subscriptions (webhook_id);
"""

_COPY: Final = f"""
INSERT INTO webhooks ({_WEBHOOK_COLUMNS}) SELECT {_WEBHOOK_COLUMNS} FROM _old_webhooks;
INSERT INTO webhook_logs ({_LOG_COLUMNS}) SELECT {_LOG_COLUMNS} FROM _old_webhook_logs;
INSERT INTO webhook_deliveries ({_DELIVERY_COLUMNS}, parked)
    SELECT {", ".join("d." + c.strip() for c in _DELIVERY_COLUMNS.split(","))},
           CASE WHEN d.status = 'pending' AND w.is_active = 0 THEN 1 ELSE 0 END
    FROM _old_webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id;
DROP TABLE _old_webhook_deliveries;
DROP TABLE _old_webhook_logs;
DROP TABLE _old_webhooks;
"""

# The events column as a JSON array of names, '[]' when it is not valid JSON (a bad row subscribes nothing).
_EVENTS_OF_NEW: Final = "json_each(CASE WHEN json_valid(NEW.events) THEN NEW.events ELSE '[]' END)"

_TRIGGERS: Final = f"""
CREATE TRIGGER webhook_subscriptions_insert AFTER INSERT ON webhooks BEGIN
    INSERT OR IGNORE INTO webhook_subscriptions (account_id, event, webhook_id)
        SELECT NEW.account_id, value, NEW.id FROM {_EVENTS_OF_NEW} WHERE type = 'text';
END;
CREATE TRIGGER webhook_subscriptions_update AFTER UPDATE OF events, account_id ON webhooks BEGIN
    DELETE FROM webhook_subscriptions WHERE webhook_id = OLD.id;
    INSERT OR IGNORE INTO webhook_subscriptions (account_id, event, webhook_id)
        SELECT NEW.account_id, value, NEW.id FROM {_EVENTS_OF_NEW} WHERE type = 'text';
END;
CREATE TRIGGER webhook_deliveries_park AFTER UPDATE OF is_active ON webhooks
WHEN (OLD.is_active != 0) != (NEW.is_active != 0) BEGIN
    UPDATE webhook_deliveries SET parked = (NEW.is_active = 0)
        WHERE webhook_id = NEW.id AND status = 'pending';
END;
"""

_BACKFILL: Final = """
INSERT OR IGNORE INTO webhook_subscriptions (account_id, event, webhook_id)
    SELECT w.account_id, j.value, w.id
    FROM webhooks w, json_each(CASE WHEN json_valid(w.events) THEN w.events ELSE '[]' END) j
    WHERE j.type = 'text';
"""


def migrate_delivery_v2(conn: sqlite3.Connection) -> None:
    """Run inside the migration transaction; a store that already has these tables is left as it is."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webhook_subscriptions'").fetchone():
        return
    highest = conn.execute(
        "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM webhooks UNION ALL SELECT MAX(webhook_id) FROM webhook_logs)"
    ).fetchone()[0]
    run_script(conn, _ASIDE)
    run_script(conn, _TABLES)
    run_script(conn, _COPY)
    run_script(conn, _TRIGGERS)
    run_script(conn, _BACKFILL)
    if highest is not None:  # never hand out an id seen before the rebuild either
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'webhooks'")
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('webhooks', ?)", (int(highest),))


# A delivery changes status once per attempt; an index keyed on status moves with it. Only the claim's index
# must follow the status; the others are partial (rows that are rarely there) or keyed on what never changes.
_NARROW_INDEXES: Final = """
DROP INDEX IF EXISTS webhook_deliveries_webhook;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);  -- the cascade from webhooks
CREATE INDEX IF NOT EXISTS webhook_deliveries_failed
    ON webhook_deliveries (webhook_id, created_at) WHERE status = 'failed';  -- requeue_failed
CREATE INDEX IF NOT EXISTS webhook_deliveries_parked
    ON webhook_deliveries (webhook_id) WHERE status = 'pending' AND parked = 1;  -- un-parking
DROP TRIGGER IF EXISTS webhook_deliveries_park;
CREATE TRIGGER webhook_deliveries_park AFTER UPDATE OF is_active ON webhooks
WHEN (OLD.is_active != 0) != (NEW.is_active != 0) BEGIN
    UPDATE webhook_deliveries SET parked = 1
        WHERE NEW.is_active = 0 AND webhook_id = NEW.id AND status = 'pending' AND parked = 0
        AND next_attempt_at >= -9223372036854775808;  -- a range, so the claim's index is the cheaper walk
    UPDATE webhook_deliveries SET parked = 0
        WHERE NEW.is_active != 0 AND webhook_id = NEW.id AND status = 'pending' AND parked = 1;
END;
"""


def narrow_delivery_indexes(conn: sqlite3.Connection) -> None:
    """Run inside the migration transaction (idempotent): the per-webhook index no longer holds the status."""
    run_script(conn, _NARROW_INDEXES)


# Every index keyed on webhook_id takes one page per subscriber at each emit (a fan-out to 20 endpoints writes
# 20 leaf pages of each such index), and an emit's commit writes every page it dirtied into the WAL. So only
# the claim's index holds a new row; a row enters one more (per status) only when it completes, in a record
# batch that touches those pages for many deliveries at once. Deleting a webhook cancels its deliveries through
# a trigger that reaches them by those partial indexes: the foreign-key cascade needed a full index on
# webhook_id. The per-event index goes too: nothing reads deliveries by event, and events are never deleted.
_LEAN_COLUMNS: Final = _DELIVERY_COLUMNS + ", parked"
_LEAN: Final = f"""
DROP TRIGGER IF EXISTS webhook_deliveries_park;
DROP TRIGGER IF EXISTS webhook_deliveries_cancel;
CREATE TABLE _lean_webhook_deliveries (
    id TEXT PRIMARY KEY,                       -- msg_..., sent as X-CortexBuild-Delivery-Id / webhook-id
    event_id TEXT NOT NULL REFERENCES webhook_events (id),  -- events are never deleted
    webhook_id INTEGER NOT NULL,               -- deleting the webhook deletes these (webhook_deliveries_cancel)
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    scheduled_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,          -- while claimed: the lease expiry (due again if we crash)
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    parked INTEGER NOT NULL DEFAULT 0          -- 1 while the webhook is disabled: out of the claim index
);
INSERT INTO _lean_webhook_deliveries ({_LEAN_COLUMNS}) SELECT {_LEAN_COLUMNS} FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE _lean_webhook_deliveries RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_ready
    ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending' AND parked = 0;
CREATE INDEX webhook_deliveries_parked
    ON webhook_deliveries (webhook_id) WHERE status = 'pending' AND parked = 1;
CREATE INDEX webhook_deliveries_failed
    ON webhook_deliveries (webhook_id, created_at) WHERE status = 'failed';
CREATE INDEX webhook_deliveries_succeeded
    ON webhook_deliveries (webhook_id) WHERE status = 'succeeded';
CREATE TRIGGER webhook_deliveries_park AFTER UPDATE OF is_active ON webhooks
WHEN (OLD.is_active != 0) != (NEW.is_active != 0) BEGIN
    UPDATE webhook_deliveries SET parked = 1
        WHERE NEW.is_active = 0 AND webhook_id = NEW.id AND status = 'pending' AND parked = 0;
    UPDATE webhook_deliveries SET parked = 0
        WHERE NEW.is_active != 0 AND webhook_id = NEW.id AND status = 'pending' AND parked = 1;
END;
CREATE TRIGGER webhook_deliveries_cancel AFTER DELETE ON webhooks BEGIN
    DELETE FROM webhook_deliveries WHERE webhook_id = OLD.id AND status = 'pending' AND parked = 0;
    DELETE FROM webhook_deliveries WHERE webhook_id = OLD.id AND status = 'pending' AND parked = 1;
    DELETE FROM webhook_deliveries WHERE webhook_id = OLD.id AND status = 'failed';
    DELETE FROM webhook_deliveries WHERE webhook_id = OLD.id AND status = 'succeeded';
END;
"""


def lean_delivery_indexes(conn: sqlite3.Connection) -> None:
    """Run inside the migration transaction (again too): rebuild ``webhook_deliveries`` with only partial indexes."""
    run_script(conn, _LEAN)

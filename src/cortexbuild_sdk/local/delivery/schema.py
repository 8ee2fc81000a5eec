"""DDL of the delivery tables; idempotent and runnable in one ``executescript``.

``webhook_logs`` starts with the columns the backend serves on the logs route; everything after
``event_id`` is the engine's own.
"""

from __future__ import annotations

from typing import Final

DELIVERY_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS webhook_events (
    id TEXT PRIMARY KEY,                       -- evt_...
    account_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,                     -- body as emitted; attempts re-stamp "timestamp"
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_events_account_created ON webhook_events (account_id, created_at);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id TEXT PRIMARY KEY,                       -- msg_..., sent as X-CortexBuild-Delivery-Id / webhook-id
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,       -- every recorded attempt, manual retries included
    scheduled_attempts INTEGER NOT NULL DEFAULT 0,  -- automatic attempts: the index into the schedule
    next_attempt_at INTEGER NOT NULL,          -- while claimed: the lease expiry (due again if we crash)
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook
    ON webhook_deliveries (webhook_id, status, created_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE IF NOT EXISTS webhook_logs (
    id INTEGER PRIMARY KEY,
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
CREATE INDEX IF NOT EXISTS webhook_logs_webhook ON webhook_logs (webhook_id, id);
CREATE INDEX IF NOT EXISTS webhook_logs_delivery ON webhook_logs (delivery_id);
"""

LOG_COLUMNS: Final = (
    "id",
    "webhook_id",
    "event_type",
    "payload",
    "response_status",
    "response_body",
    "error_message",
    "delivered_at",
    "attempt",
    "delivery_id",
    "duration_ms",
    "event_id",
)
"""The columns of a log row as the logs route serves them, in order."""

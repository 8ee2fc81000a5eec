"""DDL of the connectors (migration ``_v_connectors``): provider request log, OAuth refresh leases, local <->
remote id mappings, provider records (QuickBooks expenses) and automation jobs with their attempts."""

from __future__ import annotations

import sqlite3

from .store import run_script

__all__ = ["v_automation_subscriptions", "v_connectors"]

_CONNECTORS = """
CREATE TABLE IF NOT EXISTS provider_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,                   -- credentials in the query string redacted
    status INTEGER,                      -- NULL when nothing came back (not sent, network error)
    duration_ms INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    error TEXT,
    request_body TEXT,                   -- redacted, truncated
    response_body TEXT,                  -- redacted, truncated
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS provider_requests_integration ON provider_requests (integration_id, id);

CREATE TABLE IF NOT EXISTS oauth_refresh_leases (
    integration_id INTEGER PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL             -- wall-clock seconds: a crashed holder's lease lapses
);

CREATE TABLE IF NOT EXISTS connector_mappings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                  -- customer, invoice, folder, file...
    local_id TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    sync_token TEXT,                     -- QuickBooks SyncToken / Drive version
    local_updated_at INTEGER,            -- the local row's updated_at when last synced
    remote_updated TEXT,                 -- the remote object's last-updated stamp when last synced
    UNIQUE (integration_id, kind, local_id),
    UNIQUE (integration_id, kind, remote_id)
);

CREATE TABLE IF NOT EXISTS provider_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                  -- expense (QuickBooks Purchase)...
    remote_id TEXT NOT NULL,
    data TEXT NOT NULL,                  -- JSON, the typed record
    updated_at INTEGER NOT NULL,
    UNIQUE (integration_id, kind, remote_id)
);
CREATE INDEX IF NOT EXISTS provider_records_list ON provider_records (integration_id, kind, id);

CREATE TABLE IF NOT EXISTS automation_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    action TEXT NOT NULL,                -- "<provider>.<action>"
    params TEXT NOT NULL,                -- JSON: the automation's params plus what the event supplies
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,            -- epoch ms: due time of the next attempt
    result TEXT,                         -- JSON of the last successful answer
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS automation_jobs_due ON automation_jobs (account_id, status, next_at);
CREATE INDEX IF NOT EXISTS automation_jobs_integration ON automation_jobs (integration_id, id);

CREATE TABLE IF NOT EXISTS automation_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES automation_jobs (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,               -- success | not_sent | retry | failed
    error TEXT,
    duration_ms INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS automation_attempts_job ON automation_attempts (job_id, id);
"""


_CONNECTOR_COLUMNS = (
    ("integration_sync_runs", "run_started_at", "INTEGER"),  # NULL while the run is queued
    ("integration_sync_runs", "counts", "TEXT"),  # JSON {created, updated, skipped, failed}
    ("integrations", "auth_error", "TEXT"),  # set by invalid_grant: the integration must be reconnected
    ("oauth_states", "integration_id", "INTEGER"),  # a reconnect: the callback refreshes this integration
)


def v_connectors(conn: sqlite3.Connection) -> None:
    # Idempotent (IF NOT EXISTS, columns added only when missing): safe on a file rolled back by hand.
    run_script(conn, _CONNECTORS)
    for table, column, kind in _CONNECTOR_COLUMNS:
        if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


# The events the rules of an integration's config.automations name, one row each ('{}' for a bad config: a
# write never fails on it, and it subscribes nothing).
_RULE_EVENTS = """
    SELECT DISTINCT NEW.account_id, json_extract(r.value, '$.event'), NEW.id
    FROM json_each(CASE WHEN json_valid(NEW.config) THEN NEW.config ELSE '{}' END, '$.automations') r
    WHERE r.type = 'object' AND json_type(r.value, '$.event') = 'text'
"""

_AUTOMATION_SUBSCRIPTIONS = f"""
CREATE TABLE IF NOT EXISTS automation_subscriptions (
    account_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, event, integration_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS automation_subscriptions_integration ON automation_subscriptions (integration_id);
DROP TRIGGER IF EXISTS automation_subscriptions_insert;
CREATE TRIGGER automation_subscriptions_insert AFTER INSERT ON integrations BEGIN
    INSERT OR IGNORE INTO automation_subscriptions (account_id, event, integration_id) {_RULE_EVENTS};
END;
DROP TRIGGER IF EXISTS automation_subscriptions_update;
CREATE TRIGGER automation_subscriptions_update AFTER UPDATE OF config, account_id ON integrations BEGIN
    DELETE FROM automation_subscriptions WHERE integration_id = OLD.id;
    INSERT OR IGNORE INTO automation_subscriptions (account_id, event, integration_id) {_RULE_EVENTS};
END;
"""

_AUTOMATION_BACKFILL = """
INSERT OR IGNORE INTO automation_subscriptions (account_id, event, integration_id)
    SELECT DISTINCT i.account_id, json_extract(r.value, '$.event'), i.id
    FROM integrations i,
         json_each(CASE WHEN json_valid(i.config) THEN i.config ELSE '{}' END, '$.automations') r
    WHERE r.type = 'object' AND json_type(r.value, '$.event') = 'text'
"""


def v_automation_subscriptions(conn: sqlite3.Connection) -> None:
    """Migration ``_v_automation_subscriptions``: one row per (account, event, integration) whose automations
    name the event, kept by triggers in the same transaction as any write to ``integrations``, so publishing
    an event reads only the integrations subscribed to it (it used to read every integration of the account
    with automations and decode each config). Idempotent."""
    run_script(conn, _AUTOMATION_SUBSCRIPTIONS)
    conn.execute(_AUTOMATION_BACKFILL)

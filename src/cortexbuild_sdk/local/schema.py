"""The backend's migrations. Every database (live and each sandbox) gets the same schema.

Timestamps are INTEGER epoch milliseconds; JSON columns hold JSON text; secret columns hold keyring tokens
(``v1.<kid>.<data>``), never plaintext. Add a migration by appending to :data:`MIGRATIONS`; never edit one
that has shipped.
"""

from __future__ import annotations

import sqlite3

from .store import Migration, run_script

__all__ = ["MIGRATIONS", "SEALED_COLUMNS"]

_CORE = """
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL UNIQUE,
    company_id TEXT NOT NULL,
    company_name TEXT NOT NULL,
    tier TEXT NOT NULL,
    owner_key_id INTEGER,
    owner_key_secret TEXT,               -- sealed: the owner key, so a reopened file gives the same key
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    user_id TEXT NOT NULL,
    sandbox_id INTEGER,                  -- NULL: a live key; else the sandbox it operates in
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,       -- SHA-256 hex of the whole secret
    key_prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,                -- JSON array
    is_active INTEGER NOT NULL DEFAULT 1,
    last_used_at INTEGER,
    expires_at INTEGER,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id, id);

CREATE TABLE sandbox_environments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    config TEXT NOT NULL,                -- JSON object of the three flags
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sandbox_environments_account ON sandbox_environments (account_id, id);

CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    credentials TEXT,                    -- sealed JSON object
    config TEXT NOT NULL DEFAULT '{}',
    is_active INTEGER NOT NULL DEFAULT 1,
    last_sync_at INTEGER,
    sync_status TEXT NOT NULL DEFAULT 'idle'
        CHECK (sync_status IN ('idle', 'syncing', 'success', 'error')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX integrations_account ON integrations (account_id, id);

CREATE TABLE integration_sync_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('syncing', 'success', 'error')),
    error TEXT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX integration_sync_runs_integration ON integration_sync_runs (integration_id, id);

CREATE TABLE oauth_tokens (
    integration_id INTEGER PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    access_token TEXT NOT NULL,          -- sealed
    refresh_token TEXT,                  -- sealed
    token_type TEXT,
    expires_at INTEGER,
    scope TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,         -- SHA-256 hex of the state handed to the browser
    account_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_verifier TEXT NOT NULL,         -- sealed PKCE verifier
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
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

CREATE TABLE ai_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    provider TEXT,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    estimated_cost REAL NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX ai_requests_account_time ON ai_requests (account_id, created_at);

CREATE TABLE marketplace_modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    author TEXT NOT NULL,
    version TEXT NOT NULL,
    price_cents INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE module_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    module_id INTEGER NOT NULL REFERENCES marketplace_modules (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    review TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (module_id, user_id)
);
"""


# (slug, name, description, category, author, version, price in cents): the catalogue every store starts with.
_MODULES: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    (
        "rfi-tracker",
        "RFI Tracker Pro",
        "RFI workflows with due dates, ball-in-court and overdue alerts.",
        "project-management",
        "CortexBuild Labs",
        "2.1.0",
        0,
    ),
    (
        "invoice-sync",
        "Invoice Sync",
        "Two-way invoice and payment sync with QuickBooks and Xero.",
        "accounting",
        "LedgerWorks",
        "1.4.2",
        2900,
    ),
    (
        "site-diary",
        "Site Diary",
        "Daily logs with weather, labour counts, deliveries and photos.",
        "field",
        "BuildOps",
        "3.0.1",
        0,
    ),
    (
        "safety-inspections",
        "Safety Inspections",
        "Checklists, observations and corrective actions.",
        "safety",
        "SafeSite",
        "1.9.0",
        4900,
    ),
    (
        "po-approvals",
        "PO Approvals",
        "Multi-level purchase order approval chains with budget checks.",
        "procurement",
        "CortexBuild Labs",
        "1.2.0",
        1900,
    ),
    (
        "timesheets",
        "Crew Timesheets",
        "Time entries by crew and cost code, approvals and exports.",
        "workforce",
        "ShiftLine",
        "2.3.4",
        0,
    ),
    (
        "document-control",
        "Document Control",
        "Drawing registers, revisions and transmittals.",
        "documents",
        "PaperTrail",
        "4.0.0",
        3900,
    ),
    (
        "ai-estimator",
        "AI Estimator",
        "Quantity take-off and cost estimates from drawings with AI.",
        "ai",
        "Estimatica",
        "0.9.1",
        9900,
    ),
)


def _delivery_schema() -> str:
    # The delivery engine owns its tables (outbox, deliveries, the seed's webhook_logs); imported here, at
    # migration time, rather than at module import.
    from .delivery.schema import DELIVERY_SCHEMA

    return DELIVERY_SCHEMA


def _v1(conn: sqlite3.Connection) -> None:
    run_script(conn, _CORE)
    run_script(conn, _delivery_schema())
    conn.executemany(
        "INSERT INTO marketplace_modules (slug, name, description, category, author, version, price_cents,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1759968000000)",  # 2025-10-09, the seed's date
        _MODULES,
    )


_IDEMPOTENCY = """
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY,
    key_id INTEGER NOT NULL,             -- the API key that sent it: keys are scoped per API key
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,           -- SHA-256 of method, path and canonical JSON body
    status INTEGER,                      -- NULL while the first request is still running
    response TEXT,                       -- sealed: responses can carry secrets shown once
    created_at INTEGER NOT NULL,
    UNIQUE (key_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
"""


def _v2(conn: sqlite3.Connection) -> None:
    run_script(conn, _IDEMPOTENCY)


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


def _v_connectors(conn: sqlite3.Connection) -> None:
    # Idempotent (IF NOT EXISTS, columns added only when missing): safe on a file rolled back by hand.
    run_script(conn, _CONNECTORS)
    for table, column, kind in _CONNECTOR_COLUMNS:
        if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v_connectors)

SEALED_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # (table, primary key column, sealed column, associated-data prefix): what key rotation re-encrypts.
    ("accounts", "id", "owner_key_secret", "owner-key"),
    ("integrations", "id", "credentials", "integration-credentials"),
    ("oauth_tokens", "integration_id", "access_token", "oauth-access"),
    ("oauth_tokens", "integration_id", "refresh_token", "oauth-refresh"),
    ("oauth_states", "state_hash", "code_verifier", "oauth-state"),
    ("webhooks", "id", "secret", "webhook-secret"),
    ("webhooks", "id", "previous_secret", "webhook-secret"),
    ("idempotency_keys", "id", "response", "idempotent-response"),
)

"""The backend's migrations. Every database (live and each sandbox) gets the same schema.

Timestamps are INTEGER epoch milliseconds; JSON columns hold JSON text; secret columns hold keyring tokens
(``v1.<kid>.<data>``), never plaintext. Add a migration by appending to :data:`MIGRATIONS`; never edit one
that has shipped.
"""

from __future__ import annotations

import json
import sqlite3

from .schema_audit import v_audit_indexes as _v_audit_indexes
from .schema_connectors import v_automation_subscriptions as _v_automation_subscriptions
from .schema_connectors import v_connectors as _v_connectors
from .schema_delivery import _v_delivery, _v_delivery_indexes, _v_delivery_lean
from .schema_domain import v_connector_change_indexes as _v_connector_change_indexes
from .schema_domain import v_sync_cursor_indexes as _v_sync_cursor_indexes
from .schema_hardening import _v_hardening
from .store import Migration, run_script

__all__ = ["DOMAIN_SCOPES", "MIGRATIONS", "grant_domain_scopes"]

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


_DOCUMENTS = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,         -- no REFERENCES accounts: sandbox files hold no accounts rows
    company_id TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id),  -- a project with documents cannot be deleted
    name TEXT NOT NULL,
    description TEXT,
    file_name TEXT,                      -- the upload's base name, for Content-Disposition only
    file_size INTEGER NOT NULL CHECK (file_size >= 0),
    file_type TEXT NOT NULL,             -- a validated type/subtype
    category TEXT NOT NULL DEFAULT 'other'
        CHECK (category IN ('contract', 'drawing', 'photo', 'report', 'invoice', 'other')),
    is_public INTEGER NOT NULL DEFAULT 0,
    shared_with TEXT NOT NULL DEFAULT '[]',  -- JSON array of e-mail addresses
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    parent_document_id INTEGER REFERENCES documents (id),  -- the chain's first version; NULL on it
    sha256 TEXT NOT NULL,                -- the blob in <db>.files/sha256/
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (parent_document_id, version)
);
CREATE INDEX IF NOT EXISTS documents_account ON documents (account_id, id);
CREATE INDEX IF NOT EXISTS documents_account_project ON documents (account_id, project_id, id);
CREATE INDEX IF NOT EXISTS documents_parent ON documents (parent_document_id, version);
CREATE INDEX IF NOT EXISTS documents_sha256 ON documents (sha256);
"""


def _v_documents(conn: sqlite3.Connection) -> None:
    # Sandbox files made before this migration hold the old sample-data `documents` (metadata, no files):
    # kept, under another name, so the real table can take its name.
    old = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    if old and "sha256" not in old:
        conn.execute("ALTER TABLE documents RENAME TO documents_sample_v1")
    run_script(conn, _DOCUMENTS)
    # Keys of existing stores gain the new scope area: owner keys, and sandbox keys that held every sandbox
    # scope of the time (their default), so "all scopes" stays all scopes. Idempotent (adds what is missing).
    old_sandbox = {f"{a}:{m}" for a in ("integrations", "webhooks", "usage", "marketplace") for m in ("read", "write")}
    rows = conn.execute(
        "SELECT id, scopes, sandbox_id FROM api_keys"
        " WHERE id IN (SELECT owner_key_id FROM accounts) OR sandbox_id IS NOT NULL"
    ).fetchall()
    for key_id, text, sandbox_id in rows:
        scopes = json.loads(text)
        if sandbox_id is not None and not old_sandbox <= set(scopes):
            continue
        wanted = [s for s in ("documents:read", "documents:write") if s not in scopes]
        if wanted:
            conn.execute("UPDATE api_keys SET scopes = ? WHERE id = ?", (json.dumps([*scopes, *wanted]), key_id))


DOMAIN_SCOPES = tuple(
    f"{area}:{mode}"
    for area in ("projects", "tasks", "rfis", "invoices", "clients", "documents", "time_entries", "purchase_orders")
    for mode in ("read", "write")
)


def _v_domain(conn: sqlite3.Connection) -> None:
    """The construction domain's tables; owner keys (and the sandboxes' own keys) gain its scopes."""
    from .schema_domain import DOMAIN_SCHEMA

    run_script(conn, DOMAIN_SCHEMA)
    grant_domain_scopes(conn)


def grant_domain_scopes(conn: sqlite3.Connection) -> None:
    """Owner keys and the sandboxes' own keys hold every area they may: add the domain areas to them."""
    sandbox_keys = "SELECT id, scopes FROM api_keys WHERE sandbox_id IS NOT NULL AND name LIKE 'Sandbox key: %'"
    keys = [*conn.execute("SELECT id, scopes FROM api_keys WHERE id IN (SELECT owner_key_id FROM accounts)")]
    keys += [*conn.execute(sandbox_keys)]
    for key_id, scopes_json in keys:
        scopes = json.loads(scopes_json)
        wanted = [s for s in DOMAIN_SCOPES if s not in scopes]
        if wanted:
            conn.execute("UPDATE api_keys SET scopes = ? WHERE id = ?", (json.dumps(scopes + wanted), key_id))


# _v_delivery rebuilds the webhook tables, so it runs before _v_hardening adds its counter triggers to them.
MIGRATIONS: tuple[Migration, ...] = (
    _v1,
    _v2,
    _v_delivery,
    _v_domain,
    _v_documents,
    _v_hardening,
    _v_connectors,
    _v_delivery_indexes,
    _v_delivery_lean,
    _v_sync_cursor_indexes,
    _v_connector_change_indexes,
    _v_automation_subscriptions,
    _v_audit_indexes,
)

"""Migration ``_v_audit_indexes``: indexes the SQL audit found missing on request paths (idempotent).

* A foreign key's child column needs an index of its own (leading column): deleting a project made SQLite
  check ``tasks``, ``time_entries``, ``invoices``, ``purchase_orders`` and ``documents`` for rows still
  pointing at it by a full scan of each table (every account's rows). The tenant indexes
  ``(account_id, project_id, id)`` cannot serve that check. Nullable columns get partial indexes.
* ``api_keys (sandbox_id)``: deleting a sandbox revokes its keys without scanning every key in the store.
* ``integration_sync_runs (account_id, provider)``: the per-provider usage report counts an account's runs
  instead of scanning every run in the store once per provider.
* ``integration_sync_runs (integration_id) WHERE status = 'syncing'``: a sync start finds the integration's
  unfinished runs without walking its whole run history.
* ``time_entries (account_id, user_id, id)``: the list's ``user_id`` filter walks that user's entries, not the
  account's.
"""

from __future__ import annotations

import sqlite3

__all__ = ["v_audit_indexes"]

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS tasks_project_fk ON tasks (project_id)",
    "CREATE INDEX IF NOT EXISTS time_entries_project_fk ON time_entries (project_id)",
    "CREATE INDEX IF NOT EXISTS invoices_project_fk ON invoices (project_id) WHERE project_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS purchase_orders_project_fk ON purchase_orders (project_id)"
    " WHERE project_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS documents_project_fk ON documents (project_id)",
    "CREATE INDEX IF NOT EXISTS api_keys_sandbox ON api_keys (sandbox_id) WHERE sandbox_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS integration_sync_runs_provider ON integration_sync_runs (account_id, provider)",
    "CREATE INDEX IF NOT EXISTS integration_sync_runs_syncing ON integration_sync_runs (integration_id)"
    " WHERE status = 'syncing'",
    "CREATE INDEX IF NOT EXISTS time_entries_user ON time_entries (account_id, user_id, id)",
)


def v_audit_indexes(conn: sqlite3.Connection) -> None:
    """Migration ``_v_audit_indexes`` (see the module docstring)."""
    for ddl in _INDEXES:
        conn.execute(ddl)

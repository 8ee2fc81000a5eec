"""DDL of the construction domain (migration ``_v_domain``): the shared conventions of every domain table.

``id`` AUTOINCREMENT (never reused), ``account_id`` + ``company_id`` (the tenant), the contract's fields,
``created_at``/``updated_at`` epoch ms. Money is INTEGER cents; ``tax_rate`` TEXT (a decimal percentage);
calendar dates TEXT ``YYYY-MM-DD``; instants INTEGER epoch ms; ``items`` JSON text. Foreign keys have no
ON DELETE action: deleting a parent that still has children is refused (409) instead of cascading rows
away without their events.

Indexes serve the list routes (``WHERE account_id = ? [AND project_id = ?] [AND status = ?] ORDER BY id
DESC``) so a page reads O(page) index entries, and ``invoices (status, due_date)`` lets the overdue scan
touch only the invoices becoming overdue.
"""

from __future__ import annotations

import sqlite3

__all__ = ["DOMAIN_SCHEMA", "DOMAIN_TABLES", "v_sync_cursor_indexes"]

DOMAIN_TABLES = ("projects", "tasks", "rfis", "invoices", "clients", "time_entries", "purchase_orders")

_TENANT = """
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    company_id TEXT NOT NULL,"""
_STAMPS = """
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL"""


def _indexes(table: str, *, project: bool, status: bool) -> str:
    out = [f"CREATE INDEX {table}_account ON {table} (account_id, id);"]
    if project:
        out.append(f"CREATE INDEX {table}_project ON {table} (account_id, project_id, id);")
    if status:
        out.append(f"CREATE INDEX {table}_status ON {table} (account_id, status, id);")
    if project and status:
        out.append(f"CREATE INDEX {table}_project_status ON {table} (account_id, project_id, status, id);")
    return "\n".join(out)


DOMAIN_SCHEMA = f"""
CREATE TABLE clients ({_TENANT}
    name TEXT NOT NULL,
    contact_name TEXT, email TEXT, phone TEXT, address TEXT, city TEXT, state TEXT, zip_code TEXT,
    country TEXT, website TEXT, tax_id TEXT, payment_terms TEXT,
    credit_limit INTEGER,
    notes TEXT,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),{_STAMPS}
);
{_indexes("clients", project=False, status=False)}
CREATE INDEX clients_active ON clients (account_id, is_active, id);

CREATE TABLE projects ({_TENANT}
    name TEXT NOT NULL,
    description TEXT, project_number TEXT,
    status TEXT NOT NULL DEFAULT 'planning'
        CHECK (status IN ('planning', 'active', 'on-hold', 'completed', 'cancelled')),
    priority TEXT, start_date TEXT, end_date TEXT,
    budget INTEGER, actual_cost INTEGER,
    address TEXT, city TEXT, state TEXT, zip_code TEXT,
    client_id INTEGER REFERENCES clients (id),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),{_STAMPS}
);
{_indexes("projects", project=False, status=True)}
CREATE INDEX projects_client ON projects (client_id);

CREATE TABLE tasks ({_TENANT}
    project_id INTEGER NOT NULL REFERENCES projects (id),
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL DEFAULT 'todo'
        CHECK (status IN ('todo', 'in-progress', 'review', 'completed', 'blocked')),
    priority TEXT, assigned_to TEXT, due_date TEXT,
    estimated_hours REAL, actual_hours REAL,
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    completed_at INTEGER,{_STAMPS}
);
{_indexes("tasks", project=True, status=True)}

CREATE TABLE rfis ({_TENANT}
    project_id INTEGER NOT NULL REFERENCES projects (id),
    rfi_number TEXT NOT NULL,
    subject TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed', 'void')),
    priority TEXT, submitted_by TEXT, assigned_to TEXT, due_date TEXT,
    answered_at INTEGER,{_STAMPS},
    UNIQUE (project_id, rfi_number)
);
{_indexes("rfis", project=True, status=True)}

CREATE TABLE invoices ({_TENANT}
    project_id INTEGER REFERENCES projects (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    invoice_number TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sent', 'paid', 'overdue', 'cancelled')),
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    subtotal INTEGER NOT NULL, tax_rate TEXT NOT NULL DEFAULT '0', tax_amount INTEGER NOT NULL,
    total INTEGER NOT NULL, paid_amount INTEGER NOT NULL DEFAULT 0, balance INTEGER NOT NULL,
    notes TEXT, terms TEXT,
    paid_at INTEGER,
    items TEXT NOT NULL,{_STAMPS},
    UNIQUE (account_id, invoice_number)
);
{_indexes("invoices", project=True, status=True)}
CREATE INDEX invoices_client ON invoices (client_id);
CREATE INDEX invoices_due ON invoices (status, due_date);

CREATE TABLE time_entries ({_TENANT}
    user_id TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    task_id INTEGER REFERENCES tasks (id),
    description TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    duration_minutes INTEGER,
    is_billable INTEGER NOT NULL DEFAULT 1 CHECK (is_billable IN (0, 1)),
    hourly_rate INTEGER,
    amount INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),{_STAMPS}
);
{_indexes("time_entries", project=True, status=True)}
CREATE INDEX time_entries_task ON time_entries (task_id);

CREATE TABLE purchase_orders ({_TENANT}
    project_id INTEGER REFERENCES projects (id),
    vendor TEXT NOT NULL,
    po_number TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sent', 'approved', 'received', 'cancelled')),
    issue_date TEXT NOT NULL,
    delivery_date TEXT,
    subtotal INTEGER NOT NULL, tax_amount INTEGER NOT NULL, total INTEGER NOT NULL,
    notes TEXT,
    approved_at INTEGER, received_at INTEGER,
    items TEXT NOT NULL,{_STAMPS},
    UNIQUE (account_id, po_number)
);
{_indexes("purchase_orders", project=True, status=True)}
"""


def v_sync_cursor_indexes(conn: sqlite3.Connection) -> None:
    """Migration ``_v_sync_cursor_indexes``: a repeat connector sync reads the clients and invoices changed
    since its cursor (``account_id = ? AND updated_at >= ?``) as a range of these indexes, O(rows changed)."""
    conn.execute("CREATE INDEX IF NOT EXISTS clients_updated ON clients (account_id, updated_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS invoices_updated ON invoices (account_id, updated_at)")


def v_connector_change_indexes(conn: sqlite3.Connection) -> None:
    """Migration ``_v_connector_change_indexes``: the other connectors' repeat syncs read what changed since
    their cursors as index ranges too: documents by ``updated_at`` (Google Drive backups); tasks by
    ``updated_at`` and by ``due_date`` (Slack reminders: changed tasks, and tasks whose due date came in)."""
    conn.execute("CREATE INDEX IF NOT EXISTS documents_updated ON documents (account_id, updated_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS tasks_updated ON tasks (account_id, updated_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS tasks_due_date ON tasks (account_id, due_date)")

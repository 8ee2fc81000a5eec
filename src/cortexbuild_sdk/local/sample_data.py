"""Realistic, deterministic construction sample data for sandbox databases.

:data:`SAMPLE_SCHEMA` is the DDL of the sample tables; :func:`seed_sample_data` creates them and fills them
from a seeded :class:`random.Random`, so the same seed and clock give byte-identical rows (that is what makes
a sandbox ``reset`` reproducible).

Conventions: ids are ``INTEGER PRIMARY KEY``; money is INTEGER cents (``*_cents``); calendar dates are ISO
``YYYY-MM-DD`` text; ``created_at`` is INTEGER epoch milliseconds; flags are 0/1 INTEGERs. Status values match
the webhook events of the seed (project ``status_changed``, rfi ``answered``/``closed``, invoice
``sent``/``paid``/``overdue``, time entry ``approved``, purchase order ``approved``/``received``).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["SAMPLE_SCHEMA", "SAMPLE_TABLES", "SCHEMA_STATEMENTS", "seed_sample_data"]

PROJECT_STATUSES = ("planning", "active", "on_hold", "completed", "cancelled")
TASK_STATUSES = ("todo", "in_progress", "blocked", "completed")
RFI_STATUSES = ("open", "answered", "closed")
INVOICE_STATUSES = ("draft", "sent", "paid", "overdue")
PO_STATUSES = ("created", "approved", "received")


def _enum(column: str, values: Sequence[str]) -> str:
    return f"{column} TEXT NOT NULL CHECK ({column} IN ({', '.join(repr(v) for v in values)}))"


SCHEMA_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS companies (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, address TEXT, city TEXT, country TEXT, phone TEXT,
    email TEXT, created_at INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS clients (
    id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL, contact_name TEXT, email TEXT, phone TEXT, address TEXT, city TEXT,
    created_at INTEGER NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    client_id INTEGER REFERENCES clients(id) ON DELETE SET NULL, name TEXT NOT NULL, description TEXT,
    {_enum("status", PROJECT_STATUSES)}, budget_cents INTEGER NOT NULL CHECK (budget_cents >= 0),
    address TEXT, start_date TEXT, end_date TEXT, created_at INTEGER NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    title TEXT NOT NULL, description TEXT, {_enum("status", TASK_STATUSES)},
    priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')), assignee TEXT,
    due_date TEXT, completed_at TEXT, created_at INTEGER NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS rfis (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rfi_number TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, question TEXT NOT NULL, answer TEXT,
    {_enum("status", RFI_STATUSES)}, submitted_by TEXT, due_date TEXT, answered_at TEXT,
    created_at INTEGER NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES clients(id), project_id INTEGER REFERENCES projects(id),
    invoice_number TEXT NOT NULL UNIQUE, {_enum("status", INVOICE_STATUSES)},
    amount_cents INTEGER NOT NULL, tax_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL,
    issue_date TEXT NOT NULL, due_date TEXT NOT NULL, paid_date TEXT, created_at INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS time_entries (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL, worker_name TEXT NOT NULL,
    work_date TEXT NOT NULL, minutes INTEGER NOT NULL CHECK (minutes > 0),
    hourly_rate_cents INTEGER NOT NULL, description TEXT,
    approved INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)), created_at INTEGER NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS purchase_orders (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    po_number TEXT NOT NULL UNIQUE, supplier TEXT NOT NULL, description TEXT NOT NULL,
    {_enum("status", PO_STATUSES)}, amount_cents INTEGER NOT NULL, order_date TEXT NOT NULL,
    expected_date TEXT, received_date TEXT, created_at INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS idx_projects_company ON projects(company_id)",
    "CREATE INDEX IF NOT EXISTS idx_tasks_project ON tasks(project_id)",
    "CREATE INDEX IF NOT EXISTS idx_rfis_project ON rfis(project_id)",
    "CREATE INDEX IF NOT EXISTS idx_invoices_client ON invoices(client_id)",
    "CREATE INDEX IF NOT EXISTS idx_time_entries_project ON time_entries(project_id)",
    "CREATE INDEX IF NOT EXISTS idx_purchase_orders_project ON purchase_orders(project_id)",
)
"""The DDL, one statement each (run them with ``execute``: ``executescript`` would COMMIT first)."""

SAMPLE_SCHEMA: str = ";\n".join(SCHEMA_STATEMENTS) + ";\n"

SAMPLE_TABLES: tuple[str, ...] = (
    "companies", "clients", "projects", "tasks", "rfis",
    "invoices", "time_entries", "purchase_orders",
)  # fmt: skip
"""In dependency order (parents first). Documents are real files: ``local/sample_documents.py`` seeds them."""

_CLIENTS = (
    ("Harbourside Developments Ltd", "Olivia Bennett", "Leeds"),
    ("Greenfield Homes Group", "Marcus Reid", "Manchester"),
    ("City Council Estates Dept.", "Priya Sharma", "Birmingham"),
    ("Kingsway Retail Partners", "Daniel Hughes", "London"),
    ("St. Anne's Healthcare Trust", "Fiona MacLeod", "Bristol"),
    ("Riverside Logistics plc", "Tomasz Nowak", "Liverpool"),
    ("Oakridge Schools Academy", "Hannah Clarke", "Sheffield"),
    ("Meridian Hotels Ltd", "Samuel Okafor", "Nottingham"),
)
# (name, status, budget in whole currency units, client index, description)
_PROJECTS = (
    (
        "New Office Building",
        "active",
        5_000_000,
        0,
        "Six-storey steel-frame office block with basement parking",
    ),
    (
        "Riverside Apartments Phase 2",
        "active",
        12_400_000,
        1,
        "84 residential units over ground-floor retail",
    ),
    (
        "Community Library Refurbishment",
        "planning",
        850_000,
        2,
        "Roof replacement, M&E upgrade and new entrance",
    ),
    (
        "Kingsway Shopping Centre Extension",
        "on_hold",
        7_750_000,
        3,
        "Two-level retail extension and car park deck",
    ),
    (
        "St. Anne's Clinic Fit-Out",
        "completed",
        1_320_000,
        4,
        "Cat B fit-out of outpatient clinic, floors 1-2",
    ),
    ("Distribution Warehouse Unit 7", "active", 3_600_000, 5, "Portal-frame warehouse with office mezzanine"),
)
_TASK_TITLES = (
    "Site survey and setting out", "Excavation and groundworks", "Pour foundation footings",
    "Install drainage runs", "Erect structural steel frame", "Concrete slab pour level 1",
    "Blockwork to internal walls", "First-fix electrical", "First-fix plumbing", "Install roof membrane",
    "Fit external glazing", "Plasterboard and taping", "Second-fix electrical", "HVAC commissioning",
    "Fire stopping inspection", "Snagging walk-through", "Building control sign-off",
    "Landscaping and paving",
)  # fmt: skip
_PEOPLE = (
    "Sarah Mitchell", "James O'Connor", "Aisha Khan", "Tom Fletcher", "Lucia Romano",
    "David Chen", "Grace Adeyemi", "Mark Davies", "Elena Petrova", "Ryan Walsh",
)  # fmt: skip
_RFI_SUBJECTS = (
    "Foundation specifications clarification", "Rebar spacing at column C4", "Fire rating of riser doors",
    "Window sill detail conflict", "Structural steel connection type", "Drainage fall at car park ramp",
    "Finish schedule for lobby floor", "Acoustic insulation between units", "Roof parapet height",
    "Electrical riser location change", "Ceiling void clearance for ductwork", "Expansion joint detail",
    "Lift pit waterproofing", "External cladding fixing method", "Sprinkler head layout in atrium",
)  # fmt: skip
_SUPPLIERS = (
    ("Travis Perkins", "Timber, blocks and general building materials"),
    ("Hanson Concrete", "Ready-mix concrete C32/40"),
    ("British Steel Sections", "Structural steel sections and plates"),
    ("Wolseley Plumbing", "Pipework, fittings and sanitaryware"),
    ("Rexel Electrical", "Cabling, containment and distribution boards"),
    ("Kingspan Panels", "Insulated roof and wall panels"),
    ("Speedy Hire", "Plant hire: excavator and telehandler"),
)
_DAY_MS = 86_400_000


def seed_sample_data(
    conn: sqlite3.Connection,
    *,
    company_name: str = "Northwind Construction Ltd",
    rng_seed: int = 42,
    now_ms: int | None = None,
) -> dict[str, int]:
    """Create the sample schema on ``conn`` and insert the sample rows; return the row count per table.

    Runs inside whatever transaction the caller has: it never BEGINs or COMMITs (with Python's default
    ``isolation_level`` the inserts open an implicit transaction that the caller commits). The tables must be
    empty; ``ValueError`` otherwise, before anything is written. ``now_ms`` (epoch ms, default the current
    time) anchors all dates, so the same seed and ``now_ms`` give identical rows.
    """
    if not isinstance(company_name, str) or not company_name.strip():
        raise ValueError("company_name must be a non-empty string")
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    for stmt in SCHEMA_STATEMENTS:
        conn.execute(stmt)
    for table in SAMPLE_TABLES:
        if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise ValueError(f"sample table {table!r} already has rows; seed only an empty database")
    rows = _build(random.Random(rng_seed), company_name.strip(), now)
    for table, table_rows in rows.items():
        if table_rows:
            marks = ", ".join("?" * len(table_rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    return {table: len(table_rows) for table, table_rows in rows.items()}


def _build(rng: random.Random, company_name: str, now: int) -> dict[str, list[tuple[Any, ...]]]:
    today = dt.datetime.fromtimestamp(now / 1000, tz=dt.timezone.utc).date()

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    def at(days_ago: float) -> int:
        return now - int(days_ago * _DAY_MS)

    slug = "".join(c for c in company_name.lower() if c.isalnum())[:20] or "company"
    companies = [
        (
            1,
            company_name,
            "12 Foundry Lane",
            "Leeds",
            "GB",
            "+44 113 496 0000",
            f"office@{slug}.example",
            at(400),
        )
    ]
    clients = [
        (i, 1, name, contact, f"{contact.split()[0].lower()}@client{i}.example",
         f"+44 20 7946 0{100 + i:03d}",
         f"{rng.randint(1, 250)} {rng.choice(('High Street', 'Station Road', 'Mill Lane', 'Church Street'))}",
         city, at(380 - i * 7))
        for i, (name, contact, city) in enumerate(_CLIENTS, start=1)
    ]  # fmt: skip
    projects: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    for pid, (name, status, budget, client_idx, description) in enumerate(_PROJECTS, start=1):
        start = -rng.randint(60, 300) if status != "planning" else rng.randint(14, 60)
        end = start + rng.randint(240, 540)
        if status == "completed":
            end = -rng.randint(5, 40)
        city = _CLIENTS[client_idx][2]
        age = max(-start, 0) + 10  # days since the project was entered
        projects.append(
            (pid, 1, client_idx + 1, name, description, status, budget * 100,
             f"{rng.randint(1, 180)} {rng.choice(('Quay Street', 'Park Road', 'Victoria Way'))}, {city}",
             day(start), day(end), at(age))
        )  # fmt: skip
        for n, title in enumerate(rng.sample(_TASK_TITLES, 10)):
            if status == "completed":
                t_status = "completed"
            elif status == "planning":
                t_status = "todo"
            else:
                t_status = rng.choices(TASK_STATUSES, weights=(3, 3, 1, 3))[0]
            due = start + 20 + n * rng.randint(8, 20)
            done = day(min(due, -1) - rng.randint(0, 5)) if t_status == "completed" else None
            tasks.append(
                (len(tasks) + 1, pid, title, f"{title} for {name}.", t_status,
                 rng.choice(("low", "medium", "medium", "high", "urgent")), rng.choice(_PEOPLE), day(due),
                 done,
                 at(age - 1 - n * 0.25))
            )  # fmt: skip

    live = [p for p in projects if p[5] != "planning"]
    rfis: list[tuple[Any, ...]] = []
    for i, subject in enumerate(_RFI_SUBJECTS, start=1):
        project = live[(i - 1) % len(live)]
        status = "closed" if project[5] == "completed" else rng.choices(RFI_STATUSES, weights=(4, 3, 3))[0]
        asked = rng.randint(3, 90)
        answer = answered_at = None
        if status != "open":
            answer = f"Refer to revised detail {rng.randint(100, 999)}; proceed as marked up by the engineer."
            answered_at = day(-asked + rng.randint(1, 3))
        rfis.append(
            (i, project[0], f"RFI-{i:03d}", subject, f"Please confirm: {subject.lower()} on {project[3]}.",
             answer, status, rng.choice(_PEOPLE), day(-asked + 7), answered_at, at(asked))
        )  # fmt: skip

    invoices: list[tuple[Any, ...]] = []
    for i in range(1, 21):
        project = live[(i - 1) % len(live)]
        status = rng.choices(INVOICE_STATUSES, weights=(2, 3, 4, 2))[0]
        issued = -rng.randint(0, 15) if status in ("draft", "sent") else -rng.randint(35, 120)
        amount = rng.randint(15_000, 250_000) * 100
        tax = amount // 5  # 20 % VAT
        paid = day(issued + rng.randint(5, 29)) if status == "paid" else None
        invoices.append(
            (i, 1, project[2], project[0], f"INV-{today.year}-{i:04d}", status, amount, tax, amount + tax,
             day(issued), day(issued + 30), paid, at(-issued))
        )  # fmt: skip

    time_entries: list[tuple[Any, ...]] = []
    # Time is booked on started work of running projects (all of which began over 60 days ago).
    active_tasks = [t for t in tasks if projects[t[1] - 1][5] in ("active", "on_hold") and t[4] != "todo"]
    for i in range(1, 81):
        task = rng.choice(active_tasks)
        ago = rng.randint(1, 60)
        time_entries.append(
            (i, task[1], task[0], rng.choice(_PEOPLE), day(-ago), rng.choice((240, 360, 450, 480, 510, 600)),
             rng.choice((2800, 3200, 3500, 4200, 5500)), f"Worked on: {task[2].lower()}",
             int(ago > 7 and rng.random() < 0.85), at(ago - 0.5))
        )  # fmt: skip

    purchase_orders: list[tuple[Any, ...]] = []
    for i in range(1, 16):
        project = live[(i - 1) % len(live)]
        supplier, what = rng.choice(_SUPPLIERS)
        status = "received" if project[5] == "completed" else rng.choices(PO_STATUSES, weights=(2, 3, 4))[0]
        ordered = -rng.randint(5, 120)
        expected = ordered + rng.randint(5, 30)
        received = day(min(expected + rng.randint(-2, 3), -1)) if status == "received" else None
        purchase_orders.append(
            (i, project[0], f"PO-{1000 + i}", supplier, what, status, rng.randint(2_000, 95_000) * 100,
             day(ordered), day(expected), received,
             at(-ordered))
        )  # fmt: skip

    return {
        "companies": companies,
        "clients": clients,
        "projects": projects,
        "tasks": tasks,
        "rfis": rfis,
        "invoices": invoices,
        "time_entries": time_entries,
        "purchase_orders": purchase_orders,
    }

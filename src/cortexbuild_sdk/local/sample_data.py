"""Realistic, deterministic construction sample data for sandboxes, written into the domain tables.

:func:`seed_sample_data` fills the ``_v_domain`` tables of a fresh sandbox database (inside the caller's
transaction) from a seeded :class:`random.Random`, anchored at ``now_ms``: the same seed, account and clock
give identical rows, which is what makes a sandbox ``reset`` reproducible. The rows obey the services' rules
(contract statuses, computed totals and durations, RFI numbers per project, ``sent`` invoices not yet due)
and are served by the same routes as any other record. Seeding emits no webhook events: nothing changed.

:func:`seed_sample_data` runs every seeder of :data:`SEEDERS` in order on one :class:`SampleSet`;
:func:`seed_domain_records` is the first. Documents (and their files) join as another seeder, reading the
project ids from ``SampleSet.ids["projects"]``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .schema_domain import DOMAIN_TABLES
from .services.context import Account
from .services.money import items_and_subtotal, percent_of, to_cents

__all__ = ["SEEDERS", "SampleSet", "seed_domain_records", "seed_sample_data"]

_DAY_MS = 86_400_000


@dataclass
class SampleSet:
    """What one seeding run shares between its seeders: who, when, the random stream and the ids made."""

    conn: sqlite3.Connection
    account: Account
    now: int
    rng: random.Random
    ids: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def day(self, offset: int) -> str:
        today = dt.datetime.fromtimestamp(self.now / 1000, tz=dt.timezone.utc).date()
        return (today + dt.timedelta(days=offset)).isoformat()

    def at(self, days_ago: float) -> int:
        return self.now - int(days_ago * _DAY_MS)

    def insert(self, table: str, row: Mapping[str, Any], *, created: int) -> int:
        """Insert one row with the tenant columns and timestamps; its id."""
        full = {"account_id": self.account.id, "company_id": self.account.company_id, **row}
        full["created_at"] = full["updated_at"] = created
        cur = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(full)}) VALUES ({', '.join('?' * len(full))})", tuple(full.values())
        )
        assert cur.lastrowid is not None
        self.ids.setdefault(table, []).append(cur.lastrowid)
        self.counts[table] = self.counts.get(table, 0) + 1
        return cur.lastrowid


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
        "on-hold",
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


def _items(rng: random.Random, what: str) -> tuple[str, int]:
    lines = [
        {"description": f"{what} - stage {n}", "quantity": Decimal(rng.choice((1, 2, 5, 10, 12.5))),
         "unit_price": rng.randint(500, 25_000) * 100}
        for n in range(1, rng.randint(2, 4))
    ]  # fmt: skip
    stored, subtotal = items_and_subtotal(lines)
    return json.dumps(stored, separators=(",", ":")), subtotal


def seed_domain_records(s: SampleSet) -> None:
    """Clients, projects, tasks, RFIs, invoices, time entries and purchase orders."""
    rng = s.rng
    clients = []
    for i, (name, contact, city) in enumerate(_CLIENTS, start=1):
        clients.append(s.insert("clients", {
            "name": name, "contact_name": contact, "email": f"{contact.split()[0].lower()}@client{i}.example",
            "phone": f"+44 20 7946 0{100 + i:03d}",
            "address": f"{rng.randint(1, 250)} {rng.choice(('High Street', 'Station Road', 'Mill Lane'))}",
            "city": city, "country": "GB", "payment_terms": "Net 30", "credit_limit": rng.randint(5, 50) * 10_000_00,
            "is_active": 1,
        }, created=s.at(380 - i * 7)))  # fmt: skip
    projects: list[tuple[int, str, str, int]] = []  # (id, name, status, client id)
    tasks: list[tuple[int, int, str, str]] = []  # (id, project id, title, status)
    for n, (name, status, budget, client_idx, description) in enumerate(_PROJECTS, start=1):
        start = -rng.randint(60, 300) if status != "planning" else rng.randint(14, 60)
        end = -rng.randint(5, 40) if status == "completed" else start + rng.randint(240, 540)
        age = max(-start, 0) + 10
        city = _CLIENTS[client_idx][2]
        pid = s.insert("projects", {
            "name": name, "description": description, "project_number": f"PRJ-{2024 + n // 4}-{n:03d}",
            "status": status, "priority": rng.choice(("medium", "high")), "start_date": s.day(start),
            "end_date": s.day(end), "budget": budget * 100,
            "actual_cost": budget * 100 * (100 if status == "completed" else rng.randint(0, 60)) // 100,
            "address": f"{rng.randint(1, 180)} {rng.choice(('Quay Street', 'Park Road', 'Victoria Way'))}",
            "city": city, "client_id": clients[client_idx],
            "progress": {"planning": 0, "completed": 100}.get(status, rng.randint(10, 80)),
        }, created=s.at(age))  # fmt: skip
        projects.append((pid, name, status, clients[client_idx]))
        for k, title in enumerate(rng.sample(_TASK_TITLES, 10)):
            if status == "completed":
                t_status = "completed"
            elif status == "planning":
                t_status = "todo"
            else:
                t_status = rng.choices(("todo", "in-progress", "review", "blocked", "completed"), (3, 3, 1, 1, 3))[0]
            due = start + 20 + k * rng.randint(8, 20)
            tid = s.insert("tasks", {
                "project_id": pid, "title": title, "description": f"{title} for {name}.", "status": t_status,
                "priority": rng.choice(("low", "medium", "medium", "high", "urgent")),
                "assigned_to": rng.choice(_PEOPLE), "due_date": s.day(due),
                "estimated_hours": float(rng.choice((8, 16, 24, 40))),
                "progress": 100 if t_status == "completed" else (0 if t_status == "todo" else rng.randint(10, 90)),
                "completed_at": s.at(max(-due, 1) + rng.randint(0, 5)) if t_status == "completed" else None,
            }, created=s.at(age - 1 - k * 0.25))  # fmt: skip
            tasks.append((tid, pid, title, t_status))

    running = [p for p in projects if p[2] != "planning"]
    per_project: dict[int, int] = {}
    for i, subject in enumerate(_RFI_SUBJECTS, start=1):
        pid, pname, pstatus, _ = running[(i - 1) % len(running)]
        status = "closed" if pstatus == "completed" else rng.choices(("open", "answered", "closed"), (4, 3, 3))[0]
        asked = rng.randint(3, 90)
        per_project[pid] = per_project.get(pid, 0) + 1
        answered = status != "open"
        s.insert("rfis", {
            "project_id": pid, "rfi_number": f"RFI-{per_project[pid]:03d}", "subject": subject,
            "question": f"Please confirm: {subject.lower()} on {pname}.",
            "answer": f"Refer to revised detail {rng.randint(100, 999)}; proceed as marked up." if answered else None,
            "status": status, "priority": rng.choice(("normal", "high")), "submitted_by": rng.choice(_PEOPLE),
            "assigned_to": rng.choice(_PEOPLE), "due_date": s.day(-asked + 7),
            "answered_at": s.at(asked - rng.randint(1, 3)) if answered else None,
        }, created=s.at(asked))  # fmt: skip

    for i in range(1, 21):
        pid, pname, _, client = running[(i - 1) % len(running)]
        status = rng.choices(("draft", "sent", "paid", "overdue"), (2, 3, 4, 2))[0]
        issued = -rng.randint(0, 15) if status in ("draft", "sent") else -rng.randint(35, 120)
        items, subtotal = _items(rng, f"Valuation {i} - {pname}")
        tax = percent_of(subtotal, Decimal(20))
        total = subtotal + tax
        paid = total if status == "paid" else 0
        s.insert("invoices", {
            "project_id": pid, "client_id": client, "invoice_number": f"INV-{i:06d}", "status": status,
            "issue_date": s.day(issued), "due_date": s.day(issued + 30), "subtotal": subtotal, "tax_rate": "20",
            "tax_amount": tax, "total": total, "paid_amount": paid, "balance": total - paid,
            "terms": "Payment within 30 days of issue", "items": items,
            "paid_at": s.at(-issued - rng.randint(5, 29)) if status == "paid" else None,
        }, created=s.at(-issued))  # fmt: skip

    worked = [t for t in tasks if t[3] != "todo" and any(p[0] == t[1] and p[2] != "completed" for p in running)]
    for _ in range(80):
        tid, pid, title, _ = rng.choice(worked)
        ago = rng.randint(1, 60)
        start_ms = s.at(ago) - s.at(ago) % _DAY_MS + 7 * 3_600_000  # 07:00 UTC that day
        minutes = rng.choice((240, 360, 450, 480, 510, 600))
        rate = rng.choice((2800, 3200, 3500, 4200, 5500))
        s.insert("time_entries", {
            "user_id": s.account.user_id, "project_id": pid, "task_id": tid,
            "description": f"{title} ({rng.choice(_PEOPLE)})",
            "start_time": start_ms, "end_time": start_ms + minutes * 60_000, "duration_minutes": minutes,
            "is_billable": 1, "hourly_rate": rate, "amount": to_cents(Decimal(rate) * minutes / 60),
            "status": "approved" if ago > 7 and rng.random() < 0.85 else "pending",
        }, created=s.at(ago - 0.5))  # fmt: skip

    for i in range(1, 16):
        pid, _, pstatus, _ = running[(i - 1) % len(running)]
        vendor, what = rng.choice(_SUPPLIERS)
        status = (
            "received"
            if pstatus == "completed"
            else rng.choices(("draft", "sent", "approved", "received"), (2, 2, 3, 4))[0]
        )
        ordered = -rng.randint(5, 120)
        items, subtotal = _items(rng, what)
        tax = percent_of(subtotal, Decimal(20))
        s.insert("purchase_orders", {
            "project_id": pid, "vendor": vendor, "po_number": f"PO-{i:06d}", "status": status,
            "issue_date": s.day(ordered), "delivery_date": s.day(ordered + rng.randint(5, 30)),
            "subtotal": subtotal, "tax_amount": tax, "total": subtotal + tax, "notes": what, "items": items,
            "approved_at": s.at(-ordered - 2) if status in ("approved", "received") else None,
            "received_at": s.at(max(-ordered - rng.randint(5, 30), 1)) if status == "received" else None,
        }, created=s.at(-ordered))  # fmt: skip


Seeder = Callable[[SampleSet], None]
SEEDERS: list[Seeder] = [seed_domain_records]
"""Run in order by :func:`seed_sample_data`; the documents seeder appends itself here (files need a store)."""


def seed_sample_data(conn: sqlite3.Connection, *, account: Account, now_ms: int, rng_seed: int = 42) -> dict[str, int]:
    """Fill an empty sandbox database's domain tables for ``account``; the row count per table.

    Runs inside the caller's transaction. Refuses (``ValueError``, before writing) a database whose domain
    tables already hold rows. The sandbox database gets a copy of the account row its foreign keys need.
    """
    for table in DOMAIN_TABLES:
        if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise ValueError(f"table {table!r} already has rows; seed only an empty database")
    conn.execute(
        "INSERT OR IGNORE INTO accounts (id, user_id, company_id, company_name, tier, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (account.id, account.user_id, account.company_id, account.company_name, account.tier, now_ms),
    )
    sample = SampleSet(conn, account, int(now_ms), random.Random(rng_seed))
    for seeder in SEEDERS:
        seeder(sample)
    return dict(sample.counts)

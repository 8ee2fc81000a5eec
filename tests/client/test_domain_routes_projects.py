"""The project, task and RFI routes on both clients against respx serving the contract's exact (loose) shapes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import respx

from cortexbuild_sdk.types import Project, Rfi, Task

from .conftest import Runner
from .domain_bodies import NOON, PROJECT, RFI, TASK, Case, check_route, crud, is_, ok

CASES = [
    *crud(
        "projects",
        "/api/projects",
        PROJECT,
        Project,
        {
            "status": "on-hold",
            "budget": Decimal("5000000"),
            "actual_cost": Decimal("1234.5"),
            "start_date": date(2025, 1, 15),
            "created_at": NOON,
            "client_id": 45,
        },
        (
            lambda c: c.projects.create(
                name="Tower", budget=Decimal("1234.50"), start_date=date(2025, 1, 15), end_date="2026-06-30"
            ),
            {"name": "Tower", "budget": 1234.5, "start_date": "2025-01-15", "end_date": "2026-06-30"},
        ),
        (
            lambda c: c.projects.update(7, status="active", budget="0.1", actual_cost=2500, description=None),
            {"status": "active", "budget": 0.1, "actual_cost": 2500, "description": None},
        ),
    ),
    *crud(
        "tasks",
        "/api/tasks",
        TASK,
        Task,
        {"status": "in-progress", "assigned_to": "3", "estimated_hours": 16.0, "due_date": date(2025, 11, 1)},
        (
            lambda c: c.tasks.create(project_id=7, title="Pour", assigned_to=3, due_date="2025-11-01"),
            {"project_id": 7, "title": "Pour", "assigned_to": 3, "due_date": "2025-11-01"},
        ),
        (lambda c: c.tasks.update(11, status="review", progress=90), {"status": "review", "progress": 90}),
    ),
    Case(
        "tasks.complete",
        lambda c: c.tasks.complete(11),
        "PUT",
        "/api/tasks/11/complete",
        ok(data={**TASK, "status": "completed", "completed_at": "2025-10-09 12:00:00"}),
        is_(Task, status="completed", completed_at=NOON),
    ),
    *crud(
        "rfis",
        "/api/rfis",
        RFI,
        Rfi,
        {"rfi_number": "RFI-001", "status": "open", "assigned_to": "4", "answered_at": None},
        (
            lambda c: c.rfis.create(project_id=7, subject="Beam", question="W12?", due_date=date(2025, 10, 20)),
            {"project_id": 7, "subject": "Beam", "question": "W12?", "due_date": "2025-10-20"},
        ),
        (lambda c: c.rfis.update(21, priority="low"), {"priority": "low"}),
    ),
    Case(
        "rfis.answer",
        lambda c: c.rfis.answer(21, answer="Yes"),
        "PUT",
        "/api/rfis/21/answer",
        ok(data={**RFI, "status": "answered", "answer": "Yes", "answered_at": "2025-10-09T12:00:00.000Z"}),
        is_(Rfi, status="answered", answer="Yes", answered_at=NOON),
        sent_body={"answer": "Yes"},
    ),
    Case(
        "rfis.close",
        lambda c: c.rfis.close(21),
        "PUT",
        "/api/rfis/21/close",
        ok(data={**RFI, "status": "closed"}),
        is_(Rfi, status="closed"),
    ),
    Case(
        "rfis.void",
        lambda c: c.rfis.void(21),
        "PUT",
        "/api/rfis/21/void",
        ok(data={**RFI, "status": "void"}),
        is_(Rfi, status="void"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route(case: Case, run: Runner, api: respx.MockRouter) -> None:
    check_route(case, run, api)


def test_unknown_status_from_a_newer_server_is_kept(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/projects/7").respond(json=ok(data={**PROJECT, "status": "archived", "region": "eu"}))
    project = run(lambda c: c.projects.retrieve(7))
    assert project.status == "archived"
    assert project.model_extra == {"region": "eu"}
    assert project["region"] == "eu" and project.get("missing") is None

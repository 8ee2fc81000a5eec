"""`cortexbuild trigger` for all 24 events (real domain actions, delivered and verified once a delivering
backend opens the store), overrides applied or refused, and the projects / rfis / invoices commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cortexbuild_sdk import CortexBuild, webhooks
from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.cli._app import run
from cortexbuild_sdk.cli._receiver import Receiver
from cortexbuild_sdk.local import Backend

from .conftest import Server, run_cli


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = run(["--json", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def _events(db: Path) -> list[str]:
    with Backend(db, background_delivery=False) as backend, backend.db.read() as conn:
        return [r[0] for r in conn.execute("SELECT event_type FROM webhook_events ORDER BY rowid")]


def test_every_event_is_caused_for_real_and_arrives_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    arrived: list[tuple[str, bytes, dict[str, str]]] = []

    def record(body: bytes, headers: Any) -> tuple[int, bytes]:
        arrived.append((headers["x-cortexbuild-event"], body, dict(headers)))
        return 200, b"ok"

    with Receiver(record) as receiver:
        with Backend(db, background_delivery=False) as quiet:
            secret = CortexBuild.local(backend=quiet).webhooks.create(name="r", url=receiver.url, events=["*"]).secret
        for event in EVENT_TYPES:
            code, out, err = _cli(capsys, "trigger", event, "--db", str(db))
            assert code == 0, (event, err)
            assert out["event"] == event and out["object"]["id"] >= 1
            assert _events(db)[-1] == event  # the action's own event is the last one written
        assert set(_events(db)) == set(EVENT_TYPES)
        with Backend(db, delivery_poll_interval=0.05) as delivering:
            delivering.drain(30)
        assert secret is not None
        for _event, body, headers in arrived:
            webhooks.verify(body, headers, secret)
        assert {event for event, _, _ in arrived} == set(EVENT_TYPES)
        assert len(arrived) == len(_events(db))


def test_overrides_apply_or_are_a_usage_error_that_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    code, out, _ = _cli(capsys, "trigger", "rfi.answered", "--db", db, "--override", "rfi.subject=Slab edge detail",
                        "--override", "project.budget=1250000.50")  # fmt: skip
    assert code == 0 and out["object"]["subject"] == "Slab edge detail"
    with Backend(db, background_delivery=False) as backend:
        project = CortexBuild.local(backend=backend).projects.retrieve(out["object"]["project_id"])
    assert str(project.budget) == "1250000.5"
    before = _events(Path(db))
    for bad in ("invoice.total=1", "rfi.colour=red", "rfi", "building.name=x", "=x"):
        code, out, err = _cli(capsys, "trigger", "rfi.answered", "--db", db, "--override", bad)
        assert code == 2 and out is None, bad
        assert err.count("\n") == 1 and err.startswith("error: ")
    assert _events(Path(db)) == before  # refused before anything was created
    code, _, err = _cli(capsys, "trigger", "rfi.exploded", "--db", db)
    assert code == 2 and "rfi.exploded" in err


def test_trigger_runs_as_a_command(tmp_path: Path) -> None:
    result = run_cli("trigger", "invoice.overdue", "--db", str(tmp_path / "s.db"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["object"]["status"] == "overdue"


def test_projects_rfis_invoices_everyday_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(tmp_path / "s.db")]
    code, project, _ = _cli(capsys, "projects", "create", "--name", "Depot", "--budget", "99000.10", *db)
    assert code == 0 and project["budget"] == "99000.1"
    pid = str(project["id"])
    code, changed, _ = _cli(capsys, "projects", "update", pid, "--status", "active", *db)
    assert code == 0 and changed["status"] == "active"
    code, listed, _ = _cli(capsys, "projects", "list", "--status", "active", *db)
    assert [p["id"] for p in listed] == [project["id"]]
    code, _, err = _cli(capsys, "projects", "update", pid, "--status", "planning", *db)
    assert code == 1 and "409" in err  # active -> planning is not a transition
    code, rfi, _ = _cli(capsys, "rfis", "create", "--project-id", pid, "--subject", "Door", "--question", "Which?", *db)
    rid = str(rfi["id"])
    assert _cli(capsys, "rfis", "answer", rid, "--answer", "Type B", *db)[1]["status"] == "answered"
    assert _cli(capsys, "rfis", "close", rid, *db)[1]["status"] == "closed"
    assert _cli(capsys, "rfis", "get", rid, *db)[1]["answer"] == "Type B"
    with Backend(db[1], background_delivery=False) as backend:
        customer = CortexBuild.local(backend=backend).clients.create(name="Acme")
    items = '[{"description": "Steel", "quantity": 2, "unit_price": 10.25}]'
    code, invoice, err = _cli(capsys, "invoices", "create", "--client-id", str(customer.id), "--issue-date",
                              "2025-01-01", "--due-date", "2025-02-01", "--items", items, *db)  # fmt: skip
    assert code == 0, err
    assert invoice["total"] == "20.5"
    iid = str(invoice["id"])
    assert _cli(capsys, "invoices", "send", iid, *db)[1]["status"] == "sent"
    assert _cli(capsys, "invoices", "pay", iid, "--payment-date", "2025-01-20", *db)[1]["status"] == "paid"
    assert _cli(capsys, "invoices", "list", "--page", "1", *db)[1][0]["id"] == invoice["id"]
    assert _cli(capsys, "invoices", "create", "--client-id", "1", "--issue-date", "x", "--due-date", "y",
                "--items", "{", *db)[0] == 2  # fmt: skip
    assert _cli(capsys, "rfis", "delete", rid, *db)[1] == {"deleted": True, "id": rfi["id"]}
    assert _cli(capsys, "projects", "delete", pid, *db)[0] in (0, 1)


def test_trigger_and_everyday_commands_against_a_server(server: Server) -> None:
    remote = ["--base-url", server.url, "--api-key", server.owner_key]
    done = run_cli("trigger", "rfi.answered", "--override", "rfi.subject=Curtain wall anchors", *remote)
    assert done.returncode == 0, done.stderr
    rfi = json.loads(done.stdout)["object"]
    assert rfi["status"] == "answered" and rfi["subject"] == "Curtain wall anchors"
    listed = run_cli("rfis", "list", "--project-id", str(rfi["project_id"]), *remote)
    assert [r["id"] for r in json.loads(listed.stdout)] == [rfi["id"]]
    closed = run_cli("rfis", "close", str(rfi["id"]), *remote)
    assert json.loads(closed.stdout)["status"] == "closed"
    again = run_cli("rfis", "close", str(rfi["id"]), *remote)
    assert again.returncode == 1 and "409" in again.stderr.decode() and again.stderr.decode().count("\n") == 1

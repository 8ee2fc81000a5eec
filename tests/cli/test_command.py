"""The command itself: lazy startup, exit codes, one-line errors, everyday operations on --db and --base-url."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from .conftest import COMMAND, Server, cli_env, run_cli


def test_help_imports_no_heavy_module() -> None:
    probe = (
        "import sys; from cortexbuild_sdk.cli import _app\n"
        "try:\n    _app.cli.main(['--help'], standalone_mode=False)\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('httpx', 'pydantic', 'rich', 'uvicorn', 'cortexbuild_sdk.local') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env(), timeout=30)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    assert "serve" not in out.stdout or "local" in out.stdout


def test_every_command_has_help_and_json() -> None:
    for args in (["--help"], ["keys", "--help"], ["webhooks", "logs", "--help"], ["local", "serve", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
    assert b"--json" in run_cli("webhooks", "retry", "--help").stdout
    assert b"--json" in run_cli("verify", "--help").stdout


def test_usage_error_is_exit_2_in_one_line(tmp_path: Path) -> None:
    result = run_cli("keys", "get", "not-a-number", "--db", str(tmp_path / "s.db"))
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "cortexbuild keys get --help" in lines[0], lines


def test_api_error_is_exit_1_in_one_line(tmp_path: Path) -> None:
    result = run_cli("webhooks", "get", "999", "--db", str(tmp_path / "s.db"))
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: HTTP 404"), lines


def test_connection_refused_is_exit_3(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket closes
    result = run_cli("keys", "list", "--base-url", f"http://127.0.0.1:{port}", "--api-key", "cbk_live_x")
    assert result.returncode == 3, result.stderr
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_base_url_without_key_is_a_usage_error() -> None:
    result = run_cli("keys", "list", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert b"API key" in result.stderr


def test_everyday_operations_on_a_local_store(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    created = json.loads(run_cli("keys", "create", "--name", "ci", "--scope", "webhooks:read", "--db", db).stdout)
    assert created["secret"].startswith("cbk_live_")
    listed = json.loads(run_cli("keys", "list", "--db", db).stdout)
    assert "ci" in [k["name"] for k in listed]
    hook = json.loads(
        run_cli(
            "webhooks", "create", "--name", "h", "--url", "https://example.com/h", "--event", "*", "--db", db
        ).stdout
    )
    updated = json.loads(run_cli("webhooks", "update", str(hook["id"]), "--inactive", "--db", db).stdout)
    assert updated["is_active"] is False
    assert json.loads(run_cli("webhooks", "logs", str(hook["id"]), "--db", db).stdout) == []
    env_db = run_cli("sandboxes", "create", "--name", "qa", "--no-webhooks", CORTEXBUILD_DB=db)
    sandbox = json.loads(env_db.stdout)
    assert sandbox["config"]["webhooksEnabled"] is False


def test_same_operations_against_a_server(server: Server) -> None:
    remote = ("--base-url", server.url)
    created = run_cli("webhooks", "create", "--name", "r", "--url", "https://example.com/r", "--event", "*", *remote,
                      CORTEXBUILD_API_KEY=server.owner_key)  # fmt: skip
    assert created.returncode == 0, created.stderr
    hook = json.loads(created.stdout)
    secret = json.loads(run_cli("webhooks", "secret", str(hook["id"]), *remote, "--api-key", server.owner_key).stdout)
    assert secret["secret"] == hook["secret"]
    # The same store, opened directly, sees the server's writes.
    via_db = json.loads(run_cli("webhooks", "list", "--db", str(server.db)).stdout)
    assert [h["id"] for h in via_db] == [hook["id"]]


def test_module_entry_point_matches_console_script() -> None:
    result = subprocess.run([*COMMAND, "--version"], capture_output=True, text=True, env=cli_env(), timeout=30)
    assert result.returncode == 0 and "cortexbuild" in result.stdout


def test_demo_runs_offline_in_seconds(tmp_path: Path) -> None:
    result = run_cli("demo", "--json", cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    summary = lines[-1]["summary"]
    assert summary["deliveries"] >= 1 and summary["verified"] == summary["deliveries"]
    walked = summary["domain_events"]  # a project's life, every event delivered and verified
    assert {"project.status_changed", "rfi.closed", "invoice.paid", "invoice.overdue", "purchase_order.received",
            "time_entry.approved", "document.shared"} <= set(walked)  # fmt: skip
    assert walked.count("document.uploaded") == 2 and summary["deliveries"] == len(walked) + 1  # + webhook.test
    arrived = [line["message"].split()[0] for line in lines if line.get("step") == "delivery"]
    assert sorted(arrived) == sorted([*walked, "webhook.test"])
    assert summary["failing_endpoint"]["active"] is False and "410" in summary["failing_endpoint"]["reason"]
    assert [line["step"] for line in lines if line.get("step") in ("attempt", "retry")] == ["attempt"] + ["retry"] * 3
    assert summary["integration"]["requests_logged_unsent"] >= 1  # offline: the sandbox's connector sends nothing
    assert summary["seconds"] < 20
    assert not list(tmp_path.iterdir())  # a throwaway store: nothing left in the working directory


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    probe = "import sys; sys.modules['click'] = None\nfrom cortexbuild_sdk.cli import main\nmain(['--help'])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env(), timeout=30)
    assert out.returncode == 2
    assert "pip install 'cortexbuild-sdk[cli]'" in out.stderr and "Traceback" not in out.stderr

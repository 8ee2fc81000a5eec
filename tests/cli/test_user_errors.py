"""A user's mistakes are one line on stderr with exit 2 or 3, never "internal error" (70); output shows data as
it is. Found by trying the command as a user would (the CLI review)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from .conftest import Server, run_cli


def _one_line_error(result: object, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.decode().strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "internal error" not in lines[0]
    return str(lines[0])


def test_a_store_that_cannot_be_opened_is_exit_3_naming_it(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"this is not a SQLite database\n" * 100)
    for args in (["keys", "list", "--db", str(garbage)], ["local", "owner-key", "--db", str(garbage)]):
        line = _one_line_error(run_cli(*args), 3)
        assert f"cannot open the store {garbage}" in line and "not a database" in line
    served = run_cli("local", "serve", "--port", "0", "--db", str(garbage), timeout=60)
    assert "cannot open the store" in _one_line_error(served, 3)
    under_a_file = tmp_path / "notes.db" / "store.db"
    assert "cannot open the store" in _one_line_error(run_cli("keys", "list", "--db", str(under_a_file)), 3)


def test_a_store_with_the_wrong_key_file_is_exit_3(tmp_path: Path) -> None:
    original = tmp_path / "a.db"
    assert run_cli("keys", "list", "--db", str(original)).returncode == 0
    copy = tmp_path / "b.db"
    copy.write_bytes(original.read_bytes())  # without a.db.key: a new key file is made, and does not fit
    assert "encryption key" in _one_line_error(run_cli("keys", "list", "--db", str(copy)), 3)


def test_bad_store_settings_are_usage_errors(tmp_path: Path) -> None:
    assert "file name" in _one_line_error(run_cli("keys", "list", "--db", ""), 2)
    db = str(tmp_path / "s.db")
    line = _one_line_error(run_cli("keys", "list", "--db", db, CORTEXBUILD_ENCRYPTION_KEY="zz"), 2)
    assert "CORTEXBUILD_ENCRYPTION_KEY" in line


def test_values_the_client_refuses_are_usage_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert "not an amount: 'abc'" in _one_line_error(run_cli("projects", "create", "--name", "P", "--budget", "abc",
                                                              "--db", db), 2)  # fmt: skip
    items = ["--client-id", "1", "--issue-date", "2025-01-01", "--due-date", "2025-02-01"]
    _one_line_error(run_cli("invoices", "create", *items, "--items", "[1]", "--db", db), 2)
    _one_line_error(run_cli("invoices", "create", *items, "--items", '[{"description": "a", "quantity": NaN, '
                            '"unit_price": 1}]', "--db", db), 2)  # fmt: skip
    _one_line_error(run_cli("trigger", "rfi.answered", "--override", "project.budget=NaN", "--db", db), 2)
    assert json.loads(run_cli("projects", "list", "--db", db).stdout) == []  # nothing was created


def test_rate_limits_must_be_positive_finite_numbers(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    create = ["webhooks", "create", "--name", "h", "--url", "https://example.com/h", "--event", "*", "--db", db]
    for bad in ("nan", "inf", "-1", "0", "fast"):
        assert "--rate-limit" in _one_line_error(run_cli(*create, "--rate-limit", bad), 2)
    hook = json.loads(run_cli(*create, "--rate-limit", "2.5").stdout)
    assert hook["rate_limit_per_second"] == 2.5
    for bad in ("nan", "Infinity", "0"):
        _one_line_error(run_cli("webhooks", "update", str(hook["id"]), "--rate-limit", bad, "--db", db), 2)
    cleared = json.loads(run_cli("webhooks", "update", str(hook["id"]), "--rate-limit", "none", "--db", db).stdout)
    assert cleared["rate_limit_per_second"] is None


def test_json_options_must_be_strict_json_objects(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    base = ["integrations", "create", "--provider", "slack", "--name", "s", "--db", db]
    assert "JSON object" in _one_line_error(run_cli(*base, "--credentials", "[1]"), 2)
    assert "NaN" in _one_line_error(run_cli(*base, "--credentials", '{"accessToken": "x"}', "--config", "NaN"), 2)
    assert "1e999" in _one_line_error(run_cli(*base, "--credentials", '{"accessToken": "x", "n": 1e999}'), 2)


def test_a_failed_webhook_test_says_why_on_stderr(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    hook = json.loads(run_cli("webhooks", "create", "--name", "h", "--url", "http://127.0.0.1:9/h", "--event", "*",
                              "--db", db).stdout)  # fmt: skip
    result = run_cli("webhooks", "test", str(hook["id"]), "--db", db)
    assert json.loads(result.stdout)["delivered"] is False
    assert "did not accept the test delivery" in _one_line_error(result, 1)


def test_human_output_shows_brackets_in_data_as_they_are(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    name = "[red]Tower[/red] [b]"
    run_cli("webhooks", "create", "--name", name, "--url", "https://example.com/h", "--event", "*", "--db", db)
    shown = run_cli("webhooks", "get", "1", "--no-json", "--db", db, COLUMNS="200").stdout.decode()
    assert name in shown
    listed = run_cli("webhooks", "list", "--no-json", "--db", db, COLUMNS="200").stdout.decode()
    assert name in listed


def test_listen_refuses_a_forward_url_without_a_host(tmp_path: Path) -> None:
    for url in ("http://", "https://:80/x", "http://[::1"):
        result = run_cli("listen", "--forward-to", url, "--db", str(tmp_path / "s.db"))
        assert "--forward-to" in _one_line_error(result, 2)


def test_verify_checks_its_options_before_reading_the_body() -> None:
    result = run_cli("verify", "--secret", "s")  # no headers: refused without waiting on stdin
    assert "--header" in _one_line_error(result, 2)


def test_the_servers_own_answers_carry_a_request_id(server: Server) -> None:
    auth = {"Authorization": f"Bearer {server.owner_key}", "Content-Type": "application/json"}
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        refused = http.post("/api/integrations/webhooks", content=big, headers=auth)
        assert refused.status_code == 413
        assert re.fullmatch(r"req_[0-9a-f]{24}", refused.headers["x-request-id"])
        echoed = http.post("/api/integrations/webhooks", content=big, headers={**auth, "X-Request-Id": "trace-7"})
        assert echoed.headers["x-request-id"] == "trace-7"
        spec = http.get("/openapi.json")
        assert spec.status_code == 200 and spec.headers["x-request-id"].startswith("req_")

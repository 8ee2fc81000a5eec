"""`cortexbuild listen` and `cortexbuild verify` against a real server, a real forward target and real deliveries."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.cli._receiver import Receiver

from .conftest import COMMAND, Server, cli_env, run_cli, start_server

SEED_HEADERS = (
    "x-cortexbuild-signature",
    "x-cortexbuild-timestamp",
    "x-cortexbuild-event",
    "x-cortexbuild-delivery-id",
)


class Target:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[tuple[bytes, dict[str, str]]] = []
        self.arrived = threading.Event()

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        self.got.append((body, dict(headers)))
        self.arrived.set()
        return self.status, b"ok"


def start_listen(server: Server, forward_to: str, *extra: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    process = subprocess.Popen(
        [*COMMAND, "listen", "--forward-to", forward_to, "--base-url", server.url, "--json", "--heartbeat", "0.3",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(CORTEXBUILD_API_KEY=server.owner_key),
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.communicate(timeout=10)[1]
    return process, json.loads(line)


def test_verify_with_full_headers_and_with_the_seeds_four(tmp_path: Path) -> None:
    secret = "a" * 64
    body = json.dumps({"event": "project.created", "timestamp": 1, "data": {}}).encode()
    body = body.replace(b'"timestamp": 1', b'"timestamp": ' + str(int(__import__("time").time() * 1000)).encode())
    headers = webhooks.sign(body, secret)
    full = [f"{k}: {v}" for k, v in headers.items()]
    seed = [f"{k}: {v}" for k, v in headers.items() if k.lower() in SEED_HEADERS]
    assert len(seed) == 4
    for chosen in (full, seed):
        args = [a for h in chosen for a in ("-H", h)]
        ok = run_cli("verify", "--secret", secret, *args, input=body)
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["event"] == "project.created"
        bad = run_cli("verify", "--secret", secret, *args, input=body + b" ")
        assert bad.returncode == 4
        assert bad.stderr.decode().startswith("error: not verified:")
    assert run_cli("verify", "--secret", "wrong", *[a for h in seed for a in ("-H", h)], input=body).returncode == 4
    assert run_cli("verify", "--secret", secret, "-H", "no-colon", input=body).returncode == 2


def test_listen_forwards_signed_deliveries_keeps_its_secret_and_deactivates_on_stop(server: Server) -> None:
    target = Target()
    auth = {"authorization": f"Bearer {server.owner_key}"}
    with Receiver(target) as receiver:
        process, ready = start_listen(server, receiver.url, "--events", "project.created,project.updated")
        hook_id, secret = ready["webhook_id"], ready["secret"]
        sent = httpx.post(f"{server.url}/api/integrations/webhooks/{hook_id}/test", headers=auth, timeout=30)
        assert sent.json()["delivered"] is True, sent.text
        assert target.arrived.wait(10)
        body, headers = target.got[0]
        webhooks.verify(body, headers, secret)  # forwarded exactly as the backend signed it
        seed_only = {k: v for k, v in headers.items() if k in SEED_HEADERS}
        webhooks.verify(body, seed_only, secret)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert lines[0]["event"] == "webhook.test" and lines[0]["status"] == 200 and lines[0]["latency_ms"] >= 0
    assert lines[-1] == {"stopped": True, "webhook_id": hook_id, "action": "deactivated"}
    hook = httpx.get(f"{server.url}/api/integrations/webhooks/{hook_id}", headers=auth).json()["webhook"]
    assert hook["is_active"] is False and hook["events"] == ["project.created", "project.updated"]
    again = run_cli("listen", "--print-secret", "--base-url", server.url, "--no-json", "--api-key", server.owner_key)
    assert again.stdout.decode().strip() == secret


def test_print_secret_first_then_listen_uses_the_same_secret(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    printed = run_cli("listen", "--print-secret", "--db", str(db), "--json")
    assert printed.returncode == 0, printed.stderr
    secret = json.loads(printed.stdout)["secret"]
    srv = start_server(db)
    try:
        target = Target(status=503)
        with Receiver(target) as receiver:
            process, ready = start_listen(srv, receiver.url)
            assert ready["secret"] == secret
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=20)
            assert process.returncode == 0
    finally:
        srv.stop()


def test_listen_exits_3_when_the_backend_goes_away(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "s.db")
    with Receiver(Target()) as receiver:
        process, _ = start_listen(srv, receiver.url)
        srv.stop()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 3
    assert err.decode().strip().startswith("error: backend lost")

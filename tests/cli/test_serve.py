"""`cortexbuild local serve` over real loopback sockets: the seed's curl examples, limits, graceful stop."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import COMMAND, Server, start_server

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"  # shared/ sits beside the checkout

# The seed's "Getting Started" steps 2-4, verbatim but for the host and YOUR_TOKEN.
CURLS = [
    """curl -X POST http://localhost:3001/api/integrations \\
  -H "Authorization: Bearer YOUR_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{
    "provider": "slack",
    "name": "Team Slack",
    "credentials": {
      "accessToken": "xoxb-your-token",
      "defaultChannel": "#general"
    }
  }'""",
    """curl -X POST http://localhost:3001/api/integrations/webhooks \\
  -H "Authorization: Bearer YOUR_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "Project Updates",
    "url": "https://myapp.com/webhook",
    "events": ["project.created", "project.updated"]
  }'""",
    """curl -X POST http://localhost:3001/api/integrations/1/sync \\
  -H "Authorization: Bearer YOUR_TOKEN\"""",
]


def test_curls_are_the_seeds(tmp_path: Path) -> None:
    seeds = list(SEED.glob("*.txt")) if SEED.exists() else []
    if not seeds:
        pytest.skip("the seed document is not on this machine")
    text = "\n".join(p.read_text() for p in seeds)
    for curl in CURLS:
        assert curl in text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_examples_verbatim(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1]
    answers = []
    for curl in CURLS:
        command = curl.replace("localhost:3001", f"127.0.0.1:{port}").replace("YOUR_TOKEN", server.owner_key)
        command = command.replace("curl ", "curl -sS -w '\\n%{http_code}' ", 1)
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        body, status = done.stdout.rsplit("\n", 1)
        answers.append((int(status), json.loads(body)))
    (s1, integration), (s2, webhook), (s3, sync) = answers
    assert s1 == 201 and integration["integration"]["id"] == 1 and integration["integration"]["provider"] == "slack"
    assert s2 == 201 and webhook["webhook"]["events"] == ["project.created", "project.updated"]
    assert s3 == 200 and sync["success"] is True and sync["message"] == "Sync started"


def test_body_over_the_cap_is_413_before_buffering(server: Server) -> None:
    headers = {"authorization": f"Bearer {server.owner_key}", "content-type": "application/json"}
    big = httpx.post(server.url + "/api/integrations/webhooks", content=b"x" * (1024 * 1024 + 1), headers=headers)
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"

    def chunks():  # no content-length: the cap applies while streaming
        for _ in range(40):
            yield b"y" * 65536

    streamed = httpx.post(server.url + "/api/integrations/webhooks", content=chunks(), headers=headers)
    assert streamed.status_code == 413


def test_errors_keep_the_platform_shape_and_openapi_needs_no_key(server: Server) -> None:
    answer = httpx.get(server.url + "/api/sdk/keys")
    assert answer.status_code == 401 and answer.json()["success"] is False
    assert httpx.get(server.url + "/openapi.json").status_code == 200


def test_sigterm_lets_in_flight_requests_finish_and_exits_0(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "s.db")
    headers = {"authorization": f"Bearer {srv.owner_key}"}
    results: list[int] = []

    def many() -> None:
        with httpx.Client(base_url=srv.url, headers=headers) as client:
            for _ in range(30):
                try:
                    results.append(client.get("/api/integrations/webhooks/list").status_code)
                except httpx.TransportError:
                    return

    worker = threading.Thread(target=many)
    worker.start()
    time.sleep(0.2)
    code, out, err = srv.stop(signal.SIGTERM)
    worker.join(10)
    assert code == 0, err
    assert '"stopped"' in out
    assert "Traceback" not in err
    assert results and set(results) == {200}  # whatever was answered was answered completely
    port = int(srv.url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass


def test_restart_keeps_the_store_and_does_not_reprint_the_key(tmp_path: Path) -> None:
    first = start_server(tmp_path / "s.db")
    first.stop()
    second = start_server(tmp_path / "s.db")
    try:
        assert second.owner_key == first.owner_key
        assert "owner_key" in first.ready and "owner_key" not in second.ready
        assert second.ready["created"] is False
    finally:
        second.stop()


def test_port_in_use_is_exit_3(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = subprocess.run(
            [*COMMAND, "local", "serve", "--port", str(port),
             "--db", str(tmp_path / "p.db")],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert done.returncode == 3
    assert done.stderr.strip().startswith("error: cannot listen")


def test_sigterm_lets_an_in_flight_delivery_finish_and_record(tmp_path: Path) -> None:
    from cortexbuild_sdk.cli._receiver import Receiver

    def slow(body: bytes, headers: object) -> tuple[int, bytes]:
        time.sleep(1.5)
        return 200, b"ok"

    srv = start_server(tmp_path / "s.db")
    auth = {"authorization": f"Bearer {srv.owner_key}"}
    with Receiver(slow) as receiver:
        hook = httpx.post(
            srv.url + "/api/integrations/webhooks",
            headers=auth,
            json={"name": "slow", "url": receiver.url, "events": ["*"]},
        ).json()["webhook"]
        answers: list[httpx.Response] = []
        sender = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{srv.url}/api/integrations/webhooks/{hook['id']}/test", headers=auth, timeout=30)
            )
        )
        sender.start()
        time.sleep(0.5)  # the delivery is in flight
        code, _, err = srv.stop(signal.SIGTERM)
        sender.join(30)
    assert code == 0, err
    assert answers and answers[0].json()["delivered"] is True
    again = start_server(tmp_path / "s.db")
    try:
        logs = httpx.get(f"{again.url}/api/integrations/webhooks/{hook['id']}/logs", headers=auth).json()["logs"]
        assert [(log["event_type"], log["response_status"]) for log in logs] == [("webhook.test", 200)]
    finally:
        again.stop()

"""Run the `cortexbuild` command in subprocesses; start `cortexbuild local serve` on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

COMMAND = [sys.executable, "-m", "cortexbuild_sdk.cli"]


def cli_env(**extra: str) -> dict[str, str]:
    # The suite's provider URLs (tests/conftest.py: a closed loopback port) stay: a served backend's connectors
    # must not reach real providers either.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CORTEXBUILD_") or (k.startswith("CORTEXBUILD_PROVIDER_") and k.endswith("_URL"))
    }
    env.update(extra)
    return env


def run_cli(*args: str, input: bytes | None = None, cwd: Path | None = None, timeout: float = 30, **env: str) -> Any:
    return subprocess.run(
        [*COMMAND, *args], input=input, capture_output=True, cwd=cwd, timeout=timeout, env=cli_env(**env)
    )


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    owner_key: str
    db: Path
    ready: dict[str, Any]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out.decode(), err.decode()


def start_server(db: Path, *extra: str) -> Server:
    process = subprocess.Popen(
        [*COMMAND, "local", "serve", "--port", "0", "--db", str(db), "--json", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise AssertionError(f"server did not start: {process.communicate()[1].decode()}")
    assert time.monotonic() < deadline
    ready = json.loads(line)
    key = ready.get("owner_key") or run_cli("local", "owner-key", "--no-json", "--db", str(db)).stdout.decode().strip()
    return Server(process, ready["url"], key, db, ready)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(tmp_path / "cortexbuild.db")
    yield srv
    if srv.process.poll() is None:
        srv.process.kill()
        srv.process.communicate()

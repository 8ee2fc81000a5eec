"""Fixtures for the OAuth tests: a loopback token server, an httpx client, and an environment without OAuth
settings (``_clean_env``, which the OAuth test modules use)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from oauth_helpers import Recorded, TokenServer

from cortexbuild_sdk.local.oauth import OAUTH_PROVIDERS, config_env_vars


@pytest.fixture
def server() -> Iterator[TokenServer]:
    state = TokenServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                Recorded(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    dict(parse_qsl(raw.decode(), keep_blank_values=True)),
                )
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/token"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OAuth settings from the environment (not autouse: only the OAuth test modules ask for it)."""
    for provider in OAUTH_PROVIDERS:
        for name in config_env_vars(provider):
            monkeypatch.delenv(name, raising=False)

"""A loopback HTTP receiver for deliveries (stdlib ``http.server``: the parsing is the standard library's)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Receiver"]

# (body, headers) -> (status, response body)
Handler = Callable[[bytes, Mapping[str, str]], "tuple[int, bytes]"]
MAX_BODY = 4 * 1024 * 1024


class Receiver:
    """``POST`` anything to ``url``; each request goes to ``handler`` on a server thread."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        outer = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = self.headers.get("content-length", "")
                if not length.isdigit() or int(length) > MAX_BODY:
                    self._answer(411 if not length.isdigit() else 413, b"")
                    return
                body = self.rfile.read(int(length))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, answer = outer.handler(body, headers)
                except Exception as exc:  # the receiver answers 500 rather than dropping the connection
                    status, answer = 500, str(exc).encode()
                self._answer(status, answer)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the command prints its own lines
                pass

        self.handler = handler
        self._server = ThreadingHTTPServer((host, port), RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, name="cortexbuild-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # shutdown() waits for the next poll: 0.5 s by default

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Webhook delivery end to end, offline: the local backend delivers signed events to a receiver on 127.0.0.1.

Shows `backend.emit()` / `backend.drain()`, the receiver verifying each delivery with
`cortexbuild_sdk.webhooks`, the delivery log, and retries walked with a manual clock instead of waiting.
Run: python examples/webhook_delivery_local.py
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cortexbuild_sdk import CortexBuild, webhooks
from cortexbuild_sdk.local import ManualClock

received: list[webhooks.WebhookEvent] = []
SECRETS: list[str] = []
answers = iter([503, 200])  # the receiver is briefly down for the second webhook's first attempt


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))  # the raw bytes: never re-serialise
        try:
            event = webhooks.construct_event(raw, self.headers, SECRETS)
        except webhooks.WebhookVerificationError as exc:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(exc).encode())
            return
        status = next(answers, 200) if self.path == "/flaky" else 200
        if status == 200:
            received.append(event)
        self.send_response(status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep the example's output readable
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    clock = ManualClock()

    with CortexBuild.local(clock=clock) as client:
        assert client.backend is not None
        steady = client.webhooks.create(name="Steady", url=f"{base}/steady", events=["project.created"])
        flaky = client.webhooks.create(name="Flaky", url=f"{base}/flaky", events=["*"])
        SECRETS.extend(hook.secret for hook in (steady, flaky) if hook.secret)

        event_id = client.backend.emit("project.created", {"project": {"id": 123, "name": "New Office Building"}})
        client.backend.drain()
        print(f"emitted {event_id}; received so far: {[e.event for e in received]}")

        # The flaky endpoint answered 503: its retry is due in about 5 s. Advance the clock, not the wall.
        clock.advance(10)
        client.backend.drain()
        print(f"after a retry: received {len(received)} deliveries")

        for hook in (steady, flaky):
            for log in client.webhooks.logs(hook.id):
                print(
                    f"  {hook.name:<6} attempt {log.attempt} -> {log.response_status} "
                    f"delivery {log.delivery_id} ({log.duration_ms} ms)"
                )
        assert len(received) == 2, received
        assert all(e.data["project"]["name"] == "New Office Building" for e in received)
        print("test delivery:", client.webhooks.test(steady.id))

    server.shutdown()


if __name__ == "__main__":
    main()

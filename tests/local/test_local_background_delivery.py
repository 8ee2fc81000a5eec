"""``Backend(background_delivery=False)``: events commit to the outbox but nothing is sent (nor resumed) by that
process; the next delivering backend on the same file sends them."""

from __future__ import annotations

import sys
from pathlib import Path

from cortexbuild_sdk import CortexBuild, webhooks
from cortexbuild_sdk.local import Backend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver


def _pending(backend: Backend) -> int:
    with backend.db.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").fetchone()[0])


def test_a_one_shot_backend_queues_and_a_delivering_one_sends(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Receiver() as receiver:
        with Backend(db, background_delivery=False) as quiet:
            client = CortexBuild.local(backend=quiet)
            hook = client.webhooks.create(name="r", url=receiver.url("/h"), events=["project.created"])
            client.projects.create(name="Tower")
            assert quiet.delivery.engines() == []  # no engine was started
            assert _pending(quiet) == 1
        with Backend(db, background_delivery=False) as reopened:
            assert reopened.delivery.engines() == [] and _pending(reopened) == 1  # not resumed either
        with Backend(db, delivery_poll_interval=0.05) as delivering:
            (request,) = receiver.wait_for(1, "/h")
            assert hook.secret is not None
            webhooks.verify(request.body, request.headers, hook.secret)
            delivering.drain(10)
            assert _pending(delivering) == 0

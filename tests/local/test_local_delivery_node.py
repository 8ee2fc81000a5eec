"""The seed's own Node receiver snippet accepts real deliveries made by the local backend."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cortexbuild_sdk import CortexBuild

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "delivery"))
sys.path.insert(0, str(TESTS / "webhooks"))
from receiver import Receiver  # noqa: E402
from test_webhooks_node_receiver import NODE, run_seed_receiver  # noqa: E402

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not on PATH: cannot run the seed's receiver")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_seed_receiver_accepts_real_deliveries_across_a_secret_rotation(receiver: Receiver, tmp_path: Path) -> None:
    with CortexBuild.local() as client:
        assert client.backend is not None
        hook = client.webhooks.create(name="Node receiver", url=receiver.url("/seed"), events=["*"])
        assert hook.secret is not None
        client.backend.emit("project.created", {"project": {"id": 123, "name": "New Office Building"}})
        client.backend.emit("document.uploaded", {"document": {"name": "Clădire — 東京 🏗️", "note": 'q"\n\\'}})
        client.backend.drain()
        rotated = client.webhooks.rotate_secret(hook.id)
        assert rotated.secret is not None
        client.backend.emit("invoice.paid", {"invoice": {"id": 7, "total": 5_000_000}})
        client.backend.drain()

    deliveries = receiver.wait_for(3, "/seed")
    secrets = [hook.secret, hook.secret, rotated.secret]
    cases = [
        {"payload": d.body.decode("utf-8"), "signature": d.headers["x-cortexbuild-signature"], "secret": secret}
        for d, secret in zip(deliveries, secrets, strict=True)
    ]
    tampered = {**cases[0], "payload": cases[0]["payload"].replace("123", "124")}
    assert run_seed_receiver(tmp_path, [*cases, tampered]) == [True, True, True, False]

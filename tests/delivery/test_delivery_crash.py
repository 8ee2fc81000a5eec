"""Crash safety: SIGKILL a process mid fan-out; a restart on the same file delivers everything."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from delivery_helpers import add_webhook, deliveries, open_db, plain_secrets
from receiver import Receiver, Reply

from cortexbuild_sdk.local.clock import SystemClock
from cortexbuild_sdk.local.delivery import DeliveryEngine

ENDPOINTS = 12
EVENTS = 60


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_fan_out_loses_nothing(tmp_path: Path, receiver: Receiver) -> None:
    path = tmp_path / "crash.db"
    db = open_db(path)
    for i in range(ENDPOINTS):
        add_webhook(db, receiver.url(f"/c{i}"))
        receiver.script(f"/c{i}", then=Reply(delay=0.01))  # slow enough to be mid fan-out when killed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_worker.py")), str(path), str(EVENTS)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert worker.stdout is not None
    emitted: list[str] = []
    reader = threading.Thread(target=lambda: emitted.extend(line.strip() for line in worker.stdout or ()))
    reader.start()
    total = ENDPOINTS * EVENTS
    deadline = time.monotonic() + 30
    while receiver.count < total // 4 and time.monotonic() < deadline:
        time.sleep(0.002)
    os.kill(worker.pid, signal.SIGKILL)  # while emitting and/or delivering
    worker.wait(10)
    reader.join(10)
    emitted = [e for e in emitted if e.startswith("evt_")]
    before = receiver.count
    assert 0 < before < total, "the kill must land in the middle of the fan-out"
    time.sleep(1.6)  # the dead process's leases expire (1.5 s in the worker)

    restarted = DeliveryEngine(db, clock=SystemClock(), signing_secrets=plain_secrets, concurrency=16)
    try:
        restarted.drain(timeout=60)
    finally:
        restarted.close()

    rows = deliveries(db)
    with db.read() as conn:
        stored = {r[0] for r in conn.execute("SELECT id FROM webhook_events").fetchall()}
    assert set(emitted) <= stored  # every emit that returned was durable
    assert len(rows) == len(stored) * ENDPOINTS  # the fan-out rows were written with their event
    assert {r["status"] for r in rows} == {"succeeded"}
    requests = receiver.requests()
    by_delivery: dict[str, set[tuple[str, str]]] = collections.defaultdict(set)
    for request in requests:
        by_delivery[request.headers["webhook-id"]].add((request.path, json.loads(request.body)["id"]))
    assert set(by_delivery) == {r["id"] for r in rows}  # every delivery arrived at least once
    assert all(len(targets) == 1 for targets in by_delivery.values())  # a duplicate is the same delivery
    received = {(path, event_id) for targets in by_delivery.values() for path, event_id in targets}
    assert received == {(f"/c{i}", e) for i in range(ENDPOINTS) for e in stored}
    duplicates = len(requests) - len(by_delivery)
    print(f"killed after {before} of {total} requests; {len(stored)} events; {duplicates} duplicate sends")
    db.close()

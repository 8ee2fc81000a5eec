"""Hostile receivers, on both HTTP stacks: none of them stalls another account's deliveries.

Account 2 owns one endpoint of each kind (trickle, never answers, huge body, gzip bomb, reset mid-body,
redirect loop, 410, connection refused), each with several deliveries queued; account 1 owns a plain
endpoint. Stated bound: account 1's deliveries all arrive within ``ATTEMPT_DEADLINE + 2`` s of its emit,
the process's peak memory grows by less than 200 MB, and every attempt is logged on its own webhook.
"""

from __future__ import annotations

import gzip
import resource
import time

import pytest
from delivery_helpers import EngineFactory, add_webhook, deliveries, logs, webhook
from receiver import Receiver, Reply

from cortexbuild_sdk.local.delivery import attempt as attempt_module
from cortexbuild_sdk.local.delivery import available_stacks
from cortexbuild_sdk.local.store import Database

ATTEMPT_DEADLINE = 1.0
PER_HOSTILE = 4
STACKS = available_stacks()

BOMB = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)  # ~64 KB that inflates to 64 MB


def _hostile(receiver: Receiver) -> dict[str, str]:
    """Path -> URL of each hostile endpoint, with its script."""
    receiver.script("/trickle", then=Reply(body=b"slowly", trickle=0.3))
    receiver.script("/hang", then=Reply(hang=True))
    receiver.script("/huge", then=Reply(stream_bytes=50 * 1024 * 1024))
    receiver.script("/bomb", then=Reply(body=BOMB, headers={"Content-Encoding": "gzip"}))
    receiver.script("/reset", then=Reply(body=b"x" * 1000, reset_after=10))
    receiver.script("/redirect", then=Reply(302, b"", headers={"Location": receiver.url("/redirect")}))
    receiver.script("/gone", then=Reply(410, b"gone"))
    urls = {
        path: receiver.url(path) for path in ("/trickle", "/hang", "/huge", "/bomb", "/reset", "/redirect", "/gone")
    }
    urls["/refused"] = "http://127.0.0.1:9/refused"
    return urls


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("stack", STACKS)
def test_hostile_receivers_do_not_stall_other_accounts(
    stack: str, db: Database, receiver: Receiver, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attempt_module, "TIMEOUT", ATTEMPT_DEADLINE)
    hostile = {path: add_webhook(db, url, account_id=2) for path, url in _hostile(receiver).items()}
    victim = add_webhook(db, receiver.url("/victim"), account_id=1)
    engine = make_engine(concurrency=16, per_endpoint=4, http_stack=stack)
    assert engine.http_stack == stack
    engine.start()
    rss_before = _peak_rss_mb()
    for _ in range(PER_HOSTILE):
        engine.emit(account_id=2, company_id="c2", user_id="u2", event="task.created", data={"task": {"id": 1}})
    time.sleep(0.3)  # the hostile attempts are in flight
    started = time.monotonic()
    for i in range(10):
        engine.emit(account_id=1, company_id="c1", user_id="u1", event="task.created", data={"task": {"id": i}})
    receiver.wait_for(10, "/victim", timeout=ATTEMPT_DEADLINE + 2)
    assert time.monotonic() - started <= ATTEMPT_DEADLINE + 2
    engine.drain(timeout=60)
    assert _peak_rss_mb() - rss_before < 200  # the bomb and the 50 MB body were never held whole

    victim_logs = logs(db, victim)
    assert len(victim_logs) == 10 and all(log["response_status"] == 200 for log in victim_logs)
    by_path = {path: logs(db, wid) for path, wid in hostile.items()}
    for path, rows in by_path.items():
        assert rows, f"{path}: no attempt logged"
        assert {r["webhook_id"] for r in rows} == {hostile[path]}  # nothing attributed elsewhere
    assert all("timed out after 1 s" in r["error_message"] for r in by_path["/trickle"])
    assert all("timed out after 1 s" in r["error_message"] for r in by_path["/hang"])
    assert all(r["response_status"] == 200 and len(r["response_body"]) <= 4096 for r in by_path["/huge"])
    assert all(r["response_status"] == 200 and r["response_body"] == "\0" * 4096 for r in by_path["/bomb"])
    assert all(r["response_status"] is None and r["error_message"] for r in by_path["/reset"])
    assert all(r["response_status"] == 302 for r in by_path["/redirect"])  # logged, never followed
    assert len(receiver.requests("/redirect")) == len(by_path["/redirect"])
    assert by_path["/gone"][0]["response_status"] == 410 and not webhook(db, hostile["/gone"])["is_active"]
    assert all(r["error_message"].startswith("ConnectError") for r in by_path["/refused"])
    # Nothing lost: every delivery was attempted, or waits parked behind its disabled (410) endpoint.
    for row in deliveries(db):
        parked = row["webhook_id"] == hostile["/gone"] and row["status"] == "pending" and row["parked"] == 1
        assert row["attempts"] >= 1 or parked


@pytest.mark.parametrize("stack", STACKS)
def test_test_route_to_a_trickling_receiver_is_a_logged_timeout(
    stack: str, db: Database, receiver: Receiver, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attempt_module, "TIMEOUT", 0.5)
    receiver.script("/trickle", then=Reply(body=b"slowly", trickle=0.2))
    wid = add_webhook(db, receiver.url("/trickle"))
    engine = make_engine(http_stack=stack)
    started = time.monotonic()
    delivered, error = engine.send_test(wid)
    assert time.monotonic() - started < 2
    assert not delivered and error is not None and error.startswith("timed out after 0.5 s")
    (log,) = logs(db, wid)
    assert log["event_type"] == "webhook.test" and log["error_message"] == error


@pytest.mark.parametrize("stack", STACKS)
def test_gzip_body_is_inflated_for_the_log_but_capped(
    stack: str, db: Database, receiver: Receiver, make_engine: EngineFactory
) -> None:
    receiver.script("/gz", Reply(body=gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"}))
    wid = add_webhook(db, receiver.url("/gz"))
    engine = make_engine(http_stack=stack)
    engine.emit(account_id=1, company_id="c", user_id="u", event="task.created", data={})
    engine.drain()
    assert logs(db, wid)[0]["response_body"] == '{"ok": true}'


@pytest.mark.parametrize("stack", STACKS)
def test_ssrf_policy_holds_on_every_stack(stack: str, db: Database, make_engine: EngineFactory) -> None:
    from cortexbuild_sdk.local.delivery import AddressPolicy

    refused = add_webhook(db, "http://127.0.0.1:9/x")
    metadata = add_webhook(db, "http://169.254.169.254/latest/meta-data")
    named = add_webhook(db, "http://localhost:9/x")
    engine = make_engine(http_stack=stack, policy=AddressPolicy(allow_loopback=False))
    engine.emit(account_id=1, company_id="c", user_id="u", event="task.created", data={})
    engine.drain()
    for wid in (refused, metadata, named):
        (log,) = logs(db, wid)
        assert "SSRF policy" in log["error_message"], log["error_message"]


def test_without_the_delivery_extra_the_engine_runs_on_httpx(
    db: Database, receiver: Receiver, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "httptools", None)  # as if the extra were not installed
    assert available_stacks() == ["httpx"]
    wid = add_webhook(db, receiver.url("/plain"))
    engine = make_engine()
    assert engine.http_stack == "httpx"
    engine.emit(account_id=1, company_id="c", user_id="u", event="task.created", data={})
    engine.drain()
    assert logs(db, wid)[0]["response_status"] == 200
    with pytest.raises(ValueError, match="unknown HTTP stack"):
        make_engine(http_stack="curl")

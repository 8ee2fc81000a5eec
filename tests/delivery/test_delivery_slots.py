"""The claimed-row queue: round-robin over endpoints, slot limits respected, holdings counted exactly."""

from __future__ import annotations

from cortexbuild_sdk.local.delivery.attempt import Job
from cortexbuild_sdk.local.delivery.slots import ClaimedQueue


def _job(n: int, webhook_id: int, account_id: int = 1) -> Job:
    url = "http://127.0.0.1/"
    return Job(f"msg_{n}", webhook_id, f"evt_{n}", "task.created", "{}", url, ["s"], account_id=account_id)


def test_round_robin_over_endpoints_and_exact_holdings() -> None:
    queue = ClaimedQueue()
    queue.add([_job(1, 1), _job(2, 1), _job(3, 1), _job(4, 2), _job(5, 3, account_id=2)], launch_by=100)
    assert queue.snapshot() == ({1: 3, 2: 1, 3: 1}, {1: 4, 2: 1})
    order = []
    while (item := queue.pop(lambda webhook_id, account_id: True)) is not None:
        order.append(item[0].delivery_id)
    assert order == ["msg_1", "msg_4", "msg_5", "msg_2", "msg_3"]  # one per endpoint per turn
    assert queue.count == 0
    assert queue.snapshot() == ({1: 3, 2: 1, 3: 1}, {1: 4, 2: 1})  # popped (in flight) is still held


def test_a_full_endpoint_or_account_is_skipped_not_waited_for() -> None:
    queue = ClaimedQueue()
    queue.add([_job(1, 1), _job(2, 2), _job(3, 3, account_id=2)], launch_by=0)
    item = queue.pop(lambda webhook_id, account_id: webhook_id != 1 and account_id != 2)
    assert item is not None and item[0].delivery_id == "msg_2"
    assert queue.pop(lambda webhook_id, account_id: webhook_id != 1 and account_id != 2) is None
    assert queue.count == 2


def test_release_and_clear_give_everything_back() -> None:
    queue = ClaimedQueue()
    jobs = [_job(1, 1), _job(2, 1), _job(3, 2)]
    queue.add(jobs, launch_by=0)
    item = queue.pop(lambda webhook_id, account_id: True)
    assert item is not None
    queue.release(item[0])  # its attempt ended
    assert sorted(queue.clear()) == ["msg_2", "msg_3"]  # the never-launched ones: their leases go back
    assert queue.snapshot() == ({}, {})
    assert queue.count == 0


def test_a_clean_stop_gives_queued_leases_back(db, receiver, make_engine, clock) -> None:  # type: ignore[no-untyped-def]
    import time

    from delivery_helpers import add_webhook, deliveries, emit
    from receiver import Reply

    slow = add_webhook(db, receiver.url("/slow"))
    other = add_webhook(db, receiver.url("/other"))
    receiver.script("/slow", then=Reply(delay=1.0))
    engine = make_engine(concurrency=1, per_endpoint=1)  # one slot: the second claimed row waits in the queue
    engine.start()
    emit(engine)
    deadline = time.monotonic() + 5
    while not receiver.requests() and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.stop(timeout=5)
    rows = {r["webhook_id"]: r for r in deliveries(db)}
    sent = rows[slow] if receiver.requests("/slow") else rows[other]
    queued = rows[other] if sent is rows[slow] else rows[slow]
    assert sent["status"] == "succeeded"
    assert (queued["status"], queued["lease_owner"], queued["attempts"]) == ("pending", None, 0)
    assert queued["next_attempt_at"] <= int(clock.now() * 1000)  # due again at once, for any claimer
    engine.start()
    engine.drain(timeout=10)
    assert {r["status"] for r in deliveries(db)} == {"succeeded"}

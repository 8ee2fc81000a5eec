"""Webhook delivery end to end through the public client: backend.emit/drain/clock, the delivery routes, logs,
retries, auto-disable, sandboxes, tenancy and the SSRF policy, against a real loopback receiver."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import standardwebhooks

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild, webhooks
from cortexbuild_sdk._exceptions import BadRequestError, NotFoundError, PermissionDeniedError
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.delivery import (
    DISABLED_MESSAGE,
    RETRY_SCHEDULE,
    PayloadTooLargeError,
    UnknownEventError,
)
from cortexbuild_sdk.types import Webhook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver, Reply

START = 1_760_011_200.0  # 2025-10-09T12:00:00Z


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def backend(clock: ManualClock) -> Iterator[Backend]:
    with Backend(clock=clock, tier="pro", delivery_poll_interval=0.05) as b:
        yield b


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend) as c:
        yield c


def _hook(client: CortexBuild, receiver: Receiver, path: str = "/hook", events: list[str] | None = None) -> Webhook:
    return client.webhooks.create(name="receiver", url=receiver.url(path), events=events or ["*"])


def _logs(client: CortexBuild, webhook_id: int) -> list[object]:
    return list(reversed(list(client.webhooks.logs(webhook_id))))  # the route lists newest first


def test_emit_delivers_with_both_signature_schemes(receiver: Receiver) -> None:
    # standardwebhooks checks the timestamp against the wall clock: start the manual clock at the real time.
    with CortexBuild.local(clock=ManualClock()) as client:
        backend = client.backend
        assert backend is not None
        _check_signed_delivery(client, backend, receiver)


def _check_signed_delivery(client: CortexBuild, backend: Backend, receiver: Receiver) -> None:
    hook = _hook(client, receiver, events=["invoice.paid"])
    assert hook.secret is not None
    _hook(client, receiver, "/other", events=["task.created"])  # not subscribed: gets nothing
    event_id = backend.emit("invoice.paid", {"invoice": {"id": 7, "total": 1200.5}})
    backend.drain()
    (request,) = receiver.requests()
    assert request.path == "/hook"
    webhooks.verify(request.body, request.headers, hook.secret, now=backend.clock.now())
    standardwebhooks.Webhook(webhooks.standard_secret(hook.secret)).verify(request.body, request.headers)
    body = json.loads(request.body)
    assert body["id"] == event_id and body["event"] == "invoice.paid"
    assert body["data"] == {"invoice": {"id": 7, "total": 1200.5}}
    assert body["company_id"] and body["user_id"] and body["timestamp"] == int(backend.clock.now() * 1000)
    (log,) = client.webhooks.logs(hook.id)
    assert (log.response_status, log.attempt, log.event_type) == (200, 1, "invoice.paid")
    assert log.delivery_id == request.headers["webhook-id"]
    assert log.event_id == event_id
    assert log.duration_ms is not None and log.payload == body
    got = client.webhooks.retrieve(hook.id)
    assert (got.success_count, got.failure_count) == (1, 0)
    assert got.last_triggered_at is not None


def test_bad_events_are_refused_at_emit(backend: Backend) -> None:
    with pytest.raises(UnknownEventError):
        backend.emit("project.exploded", {})
    with pytest.raises(ValueError, match="cannot be emitted"):
        backend.emit("webhook.test", {})
    with pytest.raises(PayloadTooLargeError):
        backend.emit("project.created", {"blob": "x" * (256 * 1024)})
    with pytest.raises(ValueError, match="no account"):
        backend.emit("project.created", {}, account_id=999)
    with pytest.raises(ValueError, match="no sandbox"):
        backend.emit("project.created", {}, sandbox_id=42)


def test_webhook_test_route_reports_delivered_and_error(client: CortexBuild, receiver: Receiver) -> None:
    good = _hook(client, receiver, "/ok")
    bad = _hook(client, receiver, "/down")
    receiver.script("/down", then=Reply(503, b"maintenance"))
    assert client.webhooks.test(good.id).delivered is True
    result = client.webhooks.test(bad.id)
    assert result.delivered is False and result.error == "endpoint answered HTTP 503"
    (ok_request,) = receiver.requests("/ok")
    assert json.loads(ok_request.body)["event"] == "webhook.test"
    (log,) = client.webhooks.logs(bad.id)
    assert (log.event_type, log.response_status, log.response_body) == ("webhook.test", 503, "maintenance")
    client.webhooks.update(bad.id, is_active=False)
    assert client.webhooks.test(bad.id).delivered is False  # tests still go to a disabled endpoint
    assert len(receiver.requests("/down")) == 2


def test_retry_schedule_with_manual_clock(
    client: CortexBuild, backend: Backend, clock: ManualClock, receiver: Receiver
) -> None:
    hook = _hook(client, receiver)
    receiver.script("/hook", Reply(500), Reply(502), Reply(500), then=Reply(200))
    backend.emit("task.created", {"task": {"id": 1}})
    backend.drain()
    assert len(receiver.requests()) == 1
    clock.advance(RETRY_SCHEDULE[1] * 0.7)  # before the earliest jittered retry: nothing
    backend.drain()
    assert len(receiver.requests()) == 1
    for n, delay in enumerate(RETRY_SCHEDULE[1:4], start=2):
        clock.advance(delay * 1.25)  # past the latest jittered time
        backend.drain()
        assert len(receiver.requests()) == n
    logs = _logs(client, hook.id)
    assert [log.attempt for log in logs] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    assert [log.response_status for log in logs] == [500, 502, 500, 200]  # type: ignore[attr-defined]
    assert len({log.delivery_id for log in logs}) == 1  # type: ignore[attr-defined]
    assert len({r.headers["webhook-id"] for r in receiver.requests()}) == 1
    clock.advance(10 * 3600)
    backend.drain()
    assert len(receiver.requests()) == 4  # succeeded: no more attempts
    got = client.webhooks.retrieve(hook.id)
    assert (got.success_count, got.failure_count) == (1, 3)


def test_retry_delivery_resends_one_log(client: CortexBuild, backend: Backend, receiver: Receiver) -> None:
    hook = _hook(client, receiver)
    receiver.script("/hook", Reply(500))
    backend.emit("rfi.created", {"rfi": {"id": 3}})
    backend.drain()
    (failed,) = client.webhooks.logs(hook.id)
    log = client.webhooks.retry_delivery(hook.id, failed.id)
    assert (log.response_status, log.attempt, log.delivery_id) == (200, 2, failed.delivery_id)
    first, second = receiver.requests()
    assert json.loads(first.body)["data"] == json.loads(second.body)["data"] == {"rfi": {"id": 3}}
    with pytest.raises(NotFoundError):
        client.webhooks.retry_delivery(hook.id, 99_999)


def test_recover_requeues_failed_deliveries(
    client: CortexBuild, backend: Backend, clock: ManualClock, receiver: Receiver
) -> None:
    hook = _hook(client, receiver)
    receiver.script("/hook", then=Reply(500))
    backend.emit("invoice.overdue", {"invoice": {"id": 1}})
    backend.drain()
    for delay in RETRY_SCHEDULE[1:]:
        clock.advance(delay * 1.25)
        backend.drain()
    assert len(receiver.requests()) == len(RETRY_SCHEDULE)  # exhausted: failed
    clock.advance(36000)
    backend.drain()
    assert len(receiver.requests()) == len(RETRY_SCHEDULE)
    receiver.script("/hook", then=Reply(200))
    assert client.webhooks.recover(hook.id, since=START * 1000 + 3_600_000 * 100) == 0  # too recent a cut-off
    assert client.webhooks.recover(hook.id, since="2025-10-09T11:00:00Z") == 1
    backend.drain()
    assert receiver.requests()[-1].headers["webhook-id"] == receiver.requests()[0].headers["webhook-id"]
    assert _logs(client, hook.id)[-1].response_status == 200  # type: ignore[attr-defined]
    for garbage in ("yesterday", "", None, True, [1], -5):
        with pytest.raises(BadRequestError) as info:
            client.webhooks.recover(hook.id, since=garbage)  # type: ignore[arg-type]
        assert info.value.code == "validation_error"


def test_auto_disable_after_ten_failures_and_resume(
    client: CortexBuild, backend: Backend, clock: ManualClock, receiver: Receiver
) -> None:
    hook = _hook(client, receiver)
    receiver.script("/hook", then=Reply(500))
    for n in range(10):
        backend.emit("task.updated", {"task": {"id": n}})
    backend.drain()
    got = client.webhooks.retrieve(hook.id)
    assert got.is_active is False and got.failure_count == 10
    assert got.disabled_reason is not None
    assert "10 consecutive" in got.disabled_reason
    assert got.disabled_at is not None
    clock.advance(3600)
    backend.drain()
    assert len(receiver.requests()) == 10  # disabled: nothing sent
    receiver.script("/hook", then=Reply(200))
    client.webhooks.update(hook.id, is_active=True)
    backend.drain()
    assert len(receiver.requests()) == 20
    got = client.webhooks.retrieve(hook.id)
    assert got.is_active is True and got.success_count == 10


def test_gone_disables_at_once(client: CortexBuild, backend: Backend, receiver: Receiver) -> None:
    hook = _hook(client, receiver)
    receiver.script("/hook", Reply(410, b"gone"))
    backend.emit("client.created", {"client": {"id": 1}})
    backend.drain()
    got = client.webhooks.retrieve(hook.id)
    assert got.is_active is False
    assert got.disabled_reason is not None
    assert "410" in got.disabled_reason


def test_sandbox_without_webhooks_records_but_does_not_send(
    client: CortexBuild, backend: Backend, receiver: Receiver
) -> None:
    sandbox = client.sandboxes.create(name="Dev", config={"webhooksEnabled": False})
    inside = client.with_options(api_key=sandbox.secret)
    hook = inside.webhooks.create(name="sb", url=receiver.url("/sb"), events=["*"])
    backend.emit("project.created", {"project": {"id": 1}}, sandbox_id=sandbox.id)
    backend.drain()
    assert receiver.requests() == []
    (log,) = inside.webhooks.logs(hook.id)
    assert log.error_message == DISABLED_MESSAGE and log.response_status is None
    with pytest.raises(NotFoundError):  # the sandbox's webhook is not in the live store
        client.webhooks.retrieve(hook.id)
    client.sandboxes.update(sandbox.id, config={"webhooksEnabled": True})
    backend.emit("project.updated", {"project": {"id": 1}}, sandbox_id=sandbox.id)
    backend.drain()
    (request,) = receiver.requests("/sb")
    assert json.loads(request.body)["event"] == "project.updated"
    assert len(backend.delivery.engines()) == 1  # the sandbox's; the live store's was never needed
    client.sandboxes.delete(sandbox.id)
    assert backend.delivery.engines() == []  # stopped before its database was removed
    with pytest.raises(ValueError, match="no sandbox"):
        backend.emit("project.created", {}, sandbox_id=sandbox.id)


def test_tenancy_and_scopes(client: CortexBuild, backend: Backend, receiver: Receiver) -> None:
    hook = _hook(client, receiver)
    backend.emit("task.completed", {"task": {"id": 1}})
    backend.drain()
    (log,) = client.webhooks.logs(hook.id)
    other = backend.create_account(company_name="Other Builders")
    stranger = client.with_options(api_key=other.owner_api_key)
    for call in (
        lambda: stranger.webhooks.test(hook.id),
        lambda: stranger.webhooks.retry_delivery(hook.id, log.id),
        lambda: stranger.webhooks.recover(hook.id, since=0),
        lambda: list(stranger.webhooks.logs(hook.id)),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert len(receiver.requests()) == 1  # nothing was sent for the stranger
    # The other account's own emit does not reach this account's webhook.
    backend.emit("task.completed", {"task": {"id": 2}}, account_id=other.id)
    backend.drain()
    assert len(receiver.requests()) == 1
    reader = client.keys.create(name="ro", scopes=["webhooks:read"])
    read_only = client.with_options(api_key=reader.secret)
    with pytest.raises(PermissionDeniedError) as info:
        read_only.webhooks.test(hook.id)
    assert info.value.code == "insufficient_scope"


def test_ssrf_metadata_address_is_refused_and_logged(client: CortexBuild, backend: Backend) -> None:
    # create refuses an address literal delivery never reaches (issue 9); the connect-time guard still holds for
    # rows written before that check (and for names, which resolve at connect time)
    hook = client.webhooks.create(name="meta", url="http://meta.example/latest/meta-data", events=["*"])
    with backend.db.write() as conn:
        conn.execute("UPDATE webhooks SET url = 'http://169.254.169.254/latest/meta-data' WHERE id = ?", (hook.id,))
    backend.emit("document.uploaded", {"document": {"id": 1}})
    backend.drain()
    (log,) = client.webhooks.logs(hook.id)
    assert log.response_status is None and log.error_message is not None
    assert "169.254.169.254" in log.error_message and "refused" in log.error_message.lower()
    result = client.webhooks.test(hook.id)
    assert result.delivered is False and result.error is not None and "169.254.169.254" in result.error


def test_local_client_owns_backend_and_async_drain(receiver: Receiver) -> None:
    async def main() -> None:
        async with AsyncCortexBuild.local(clock=ManualClock(START)) as aclient:
            backend = aclient.backend
            assert backend is not None
            hook = await aclient.webhooks.create(name="a", url=receiver.url("/a"), events=["*"])
            backend.emit("purchase_order.approved", {"purchase_order": {"id": 5}})
            await backend.adrain()
            assert len(receiver.requests("/a")) == 1
            logs = [log async for log in aclient.webhooks.logs(hook.id)]
            assert logs[0].response_status == 200

    asyncio.run(main())


def test_idle_backend_starts_no_dispatcher(backend: Backend) -> None:
    backend.drain()
    assert backend.delivery.engines() == []  # no engine built, no thread, no HTTP client


def test_pending_deliveries_resume_after_reopen(tmp_path: Path, clock: ManualClock, receiver: Receiver) -> None:
    path = tmp_path / "dev.db"
    with Backend(path, clock=clock) as first, CortexBuild.local(backend=first) as c:
        hook = _hook(c, receiver)
        receiver.script("/hook", Reply(500))
        first.emit("time_entry.approved", {"time_entry": {"id": 1}})
        first.drain()
    clock.advance(60)
    with Backend(path, clock=clock) as second:
        assert any(e.running for e in second.delivery.engines())  # pending rows: started at open
        second.drain()
    assert len(receiver.requests()) == 2
    assert receiver.requests()[0].headers["webhook-id"] == receiver.requests()[1].headers["webhook-id"]
    assert hook.id

"""Delivery routes through the public client, on every target, against a real loopback receiver."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cortexbuild_sdk import APIStatusError, NotFoundError, webhooks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from receiver import Receiver, Reply


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_test_delivery_is_signed_and_logged(client: Any, receiver: Receiver) -> None:
    hook = client.webhooks.create(name="Receiver", url=receiver.url("/hook"), events=["project.created"])
    result = client.webhooks.test(hook.id)
    assert result.delivered is True
    assert result.error is None

    (request,) = receiver.requests("/hook")
    webhooks.verify(request.body, request.headers, hook.secret)
    assert webhooks.parse_event(request.body).event == "webhook.test"

    (log,) = list(client.webhooks.logs(hook.id))
    assert (log.event_type, log.response_status, log.attempt) == ("webhook.test", 200, 1)
    assert log.delivery_id == request.headers["webhook-id"]
    assert client.webhooks.retrieve(hook.id).success_count == 1


def test_failed_test_delivery_reports_the_error(client: Any, receiver: Receiver) -> None:
    receiver.script("/broken", Reply(status=500, body=b"kaput"))
    hook = client.webhooks.create(name="Broken", url=receiver.url("/broken"), events=["*"])
    result = client.webhooks.test(hook.id)
    assert result.delivered is False
    assert result.error
    (log,) = list(client.webhooks.logs(hook.id))
    assert log.response_status == 500
    assert log.response_body == "kaput"
    assert client.webhooks.retrieve(hook.id).failure_count == 1


def test_unreachable_endpoint(client: Any) -> None:
    hook = client.webhooks.create(name="Gone", url=f"http://127.0.0.1:{closed_port()}/hook", events=["*"])
    result = client.webhooks.test(hook.id)
    assert result.delivered is False
    assert result.error


def test_retry_a_logged_attempt(client: Any, receiver: Receiver) -> None:
    receiver.script("/flaky", Reply(status=503), then=Reply(status=200))
    hook = client.webhooks.create(name="Flaky", url=receiver.url("/flaky"), events=["*"])
    assert client.webhooks.test(hook.id).delivered is False
    (failed,) = list(client.webhooks.logs(hook.id))
    retried = client.webhooks.retry_delivery(hook.id, failed.id)
    assert retried.response_status == 200
    assert retried.delivery_id == failed.delivery_id
    first, second = receiver.requests("/flaky")
    # The same event, re-stamped so the retry passes receivers' freshness check; nothing else changes.
    before, after = json.loads(first.body), json.loads(second.body)
    assert before.pop("timestamp") <= after.pop("timestamp")
    assert before == after
    webhooks.verify(second.body, second.headers, hook.secret)
    with pytest.raises(NotFoundError):
        client.webhooks.retry_delivery(hook.id, 999_999)


def test_recover_validates_since_and_counts(client: Any) -> None:
    hook = client.webhooks.create(name="Hook", url="https://myapp.example/h", events=["*"])
    assert client.webhooks.recover(hook.id, since=datetime(2020, 1, 1, tzinfo=timezone.utc)) == 0
    with pytest.raises(APIStatusError) as info:
        client.webhooks.recover(hook.id, since="last tuesday")
    assert info.value.status_code == 400
    assert info.value.code == "validation_error"
    with pytest.raises(NotFoundError):
        client.webhooks.recover(424242, since=0)

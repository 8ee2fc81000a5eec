"""Automations: validated on create and update, fired by a published domain event in its transaction, run on
the connector worker with retries and a log per attempt."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import BadRequestError, CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.auth import authenticate
from cortexbuild_sdk.local.providers import PROVIDERS
from cortexbuild_sdk.local.services.events import announce, publish

from .books import MemoryData
from .conftest import HOST

RULE = {"event": "rfi.created", "action": "slack.send_message", "params": {"channel": "#rfis"}}


@pytest.fixture
def backend(clock: ManualClock) -> Iterator[Backend]:
    data = MemoryData()
    with Backend(clock=clock, provider_urls=dict.fromkeys(PROVIDERS, HOST), local_data=lambda ctx: data) as b:
        b.connectors.automation_backoff = (0.0,)
        b.connectors.sleep = lambda s: None
        yield b


@pytest.fixture
def client(backend: Backend) -> Iterator[CortexBuild]:
    with CortexBuild.local(backend=backend, max_retries=0) as c:
        yield c


def _slack(client: CortexBuild, automations: list[dict[str, Any]]) -> int:
    return client.integrations.create(
        provider="slack", name="Site", credentials={"accessToken": "xoxb-1"}, config={"automations": automations}
    ).id


def _emit(backend: Backend, event: str, data: dict[str, Any]) -> str:
    ctx = authenticate(backend._rt, f"Bearer {backend.owner_api_key}")
    with ctx.env.db.write() as conn:  # as a domain service does: the change and its event in one transaction
        event_id = publish(ctx, conn, event, data)
    announce(ctx)
    return event_id


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"event": "rfi.exploded", "action": "slack.send_message"}, "config.automations[0].event"),
        ({"event": "rfi.created", "action": "quickbooks.push_invoice"}, "config.automations[0].action"),
        (
            {"event": "rfi.created", "action": "slack.send_message", "params": {"chanel": "#x"}},
            "config.automations[0].params.chanel",
        ),
        ({"event": "rfi.created", "action": "slack.send_message", "extra": 1}, "config.automations[0]"),
    ],
)
def test_bad_automations_are_refused_on_create_and_update(
    client: CortexBuild, rule: dict[str, Any], field: str
) -> None:
    with pytest.raises(BadRequestError) as caught:
        _slack(client, [rule])
    assert caught.value.details[0]["field"] == field  # type: ignore[index]
    assert list(client.integrations.list()) == []  # nothing was created
    iid = _slack(client, [RULE])
    with pytest.raises(BadRequestError):
        client.integrations.update(iid, config={"automations": [rule]})
    assert client.integrations.retrieve(iid).config == {"automations": [RULE]}  # unchanged


def test_event_fires_the_action_with_retries(client: CortexBuild, backend: Backend) -> None:
    iid = _slack(client, [RULE])
    client.integrations.update(iid, name="Site chat")
    with respx.mock as mock:
        post = mock.post(f"{HOST}/api/chat.postMessage").mock(
            side_effect=[httpx.Response(503), httpx.Response(200, json={"ok": True, "channel": "C0RFIS", "ts": "1.1"})]
        )
        event_id = _emit(backend, "rfi.created", {"rfi": {"id": 9, "rfi_number": "RFI-9", "subject": "Beam"}})
        _emit(backend, "task.created", {"task": {"id": 1}})  # not subscribed: no job
        backend.wait_for_syncs()
        import time

        deadline = time.monotonic() + 10
        while post.call_count < 2 and time.monotonic() < deadline:  # the retry runs on a timer
            time.sleep(0.02)
        backend.wait_for_syncs()
    import json

    assert [json.loads(c.request.content) for c in post.calls] == [
        {"channel": "#rfis", "text": "New RFI *RFI-9*: Beam"}
    ] * 2
    (run,) = list(client.integrations.automation_runs(iid))
    assert run.event_id == event_id and run.status == "done" and run.action == "slack.send_message"
    assert [(a.attempt, a.outcome) for a in run.attempts] == [(1, "retry"), (2, "success")]
    assert run.result == {"channel": "C0RFIS", "ts": "1.1"}


def test_invoice_created_pushes_to_quickbooks_param_from_event(client: CortexBuild, backend: Backend) -> None:
    rule = {"event": "invoice.created", "action": "quickbooks.push_invoice"}
    iid = client.integrations.create(
        provider="quickbooks",
        name="Books",
        credentials={"accessToken": "at", "realmId": "42"},
        config={"automations": [rule]},
    ).id
    with respx.mock(assert_all_called=False):  # invoice 77 does not exist locally: the job fails, not retried
        _emit(backend, "invoice.created", {"invoice": {"id": 77}})
        backend.wait_for_syncs()
    (run,) = list(client.integrations.automation_runs(iid))
    assert run.params == {"invoice_id": 77}
    assert run.status == "failed" and [a.outcome for a in run.attempts] == ["failed"] and "77" in (run.error or "")

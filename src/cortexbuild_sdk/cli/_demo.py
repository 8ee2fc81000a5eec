"""``cortexbuild demo``: the platform end to end in a few seconds, offline, on a throwaway store.

A local backend on a manual clock, two loopback receivers (one verifies every delivery's signature, one
fails), the everyday objects (a key, webhooks, a sandbox, an integration) and a project's life through the
typed client (``_sample.project_walk``), whose real domain events are delivered. Retries and the invoice
going overdue are driven by moving the clock, never by waiting.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from ._common import json_mode, json_option
from ._receiver import Receiver
from ._sample import project_walk

if TYPE_CHECKING:
    from .._client import CortexBuild
    from ..local import Backend
    from ..types import Integration, ProviderRequestLog, SyncRun


@dataclass
class Verifier:
    """The good endpoint: verifies each delivery against the webhook's secret at the backend's clock."""

    backend: Backend
    secret: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        from .. import webhooks

        try:
            webhooks.verify(body, headers, self.secret, now=self.backend.clock.now())
            verified, status = True, 200
        except webhooks.WebhookVerificationError:
            verified, status = False, 400
        record = {
            "event": headers.get("x-cortexbuild-event"),
            "delivery_id": headers.get("x-cortexbuild-delivery-id"),
            "verified": verified,
        }
        with self.arrived:
            if any(r["delivery_id"] == record["delivery_id"] for r in self.seen):
                return 200, b"duplicate"  # at-least-once delivery: a receiver dedupes by delivery id
            self.seen.append(record)
            self.arrived.notify_all()
        return status, b"ok" if verified else b"bad signature"


@dataclass
class Failing:
    """The broken endpoint: 500 for a while, then 410 Gone (which disables it at once)."""

    failures_before_gone: int = 3
    calls: int = 0
    attempts: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        self.calls += 1
        status = 500 if self.calls <= self.failures_before_gone else 410
        self.attempts.append((headers.get("x-cortexbuild-event", "?"), status))
        return status, b"down" if status == 500 else b"gone"


@click.command()
@json_option
def demo() -> None:
    """Start a throwaway local backend and receivers, create a key, webhooks, a sandbox and an integration,
    show signed deliveries arriving verified and a failing endpoint retried and disabled; print a summary."""
    from .._client import CortexBuild
    from ..local import Backend
    from ..local.clock import ManualClock

    started = time.perf_counter()
    out = _Printer(json_mode())
    with Backend(clock=ManualClock(), delivery_poll_interval=0.05) as backend:
        client = CortexBuild.local(backend=backend)
        verifier, failing = Verifier(backend), Failing()
        with Receiver(verifier) as good, Receiver(failing) as bad:
            summary = _tour(client, backend, verifier, failing, good.url, bad.url, out)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    out.summary(summary)


def _tour(
    client: CortexBuild,
    backend: Backend,
    verifier: Verifier,
    failing: Failing,
    good_url: str,
    bad_url: str,
    out: _Printer,
) -> dict[str, Any]:
    key = client.keys.create(name="demo app", scopes=["webhooks:read", "webhooks:write", "integrations:read"])
    out.step("key", f"created API key {key.key_prefix}... with scopes {', '.join(key.scopes)}")
    hook = client.webhooks.create(name="demo receiver", url=good_url, events=["*"])
    verifier.secret = hook.secret or client.webhooks.secret(hook.id)
    out.step("webhook", f"subscribed {good_url} to every event (secret {verifier.secret[:8]}...)")
    # Integrations off in the sandbox: its connectors log each provider request unsent, so the demo stays
    # offline and never calls Slack with a made-up token.
    config = {"sampleDataEnabled": True, "integrationsEnabled": False}
    sandbox = client.sandboxes.create(name="demo sandbox", config=config)
    out.step("sandbox", f"created sandbox {sandbox.id} with its own key {sandbox.secret[:12]}...")
    integration, run, logged = _sandboxed_sync(backend, sandbox.secret)
    out.step(
        "integration",
        f"created {integration.provider} integration {integration.id} in the sandbox; its sync logged"
        f" {len(logged)} Slack request(s) unsent, as the sandbox has integrationsEnabled: false (run: {run.status})",
    )

    # Subscribed before the walk, to one event: its delivery fails and is retried as the manual clock moves.
    broken = client.webhooks.create(name="broken endpoint", url=bad_url, events=["invoice.paid"])
    walked = project_walk(client, backend)
    sent = client.webhooks.test(hook.id)
    _wait_for(verifier, len(walked) + 1)
    for record in verifier.seen:
        mark = "verified" if record["verified"] else "SIGNATURE MISMATCH"
        out.step("delivery", f"{record['event']} {record['delivery_id']} arrived, signature {mark}")
    _advance_through_retries(backend, client, broken.id)  # scheduled retries, on the manual clock
    for n, (event, status) in enumerate(failing.attempts, 1):
        out.step("retry" if n > 1 else "attempt", f"{event} to the broken endpoint {bad_url} -> HTTP {status}")
    state = client.webhooks.retrieve(broken.id)
    out.step("disabled", f"broken endpoint disabled: {state.disabled_reason}")
    return {
        "key": key.key_prefix,
        "webhook_id": hook.id,
        "sandbox_id": sandbox.id,
        "integration": {"id": integration.id, "sync": run.status, "requests_logged_unsent": len(logged)},
        "domain_events": walked,
        "deliveries": len(verifier.seen),
        "verified": sum(1 for r in verifier.seen if r["verified"]),
        "test_delivered": sent.delivered,
        "failing_endpoint": {"attempts": failing.calls, "active": state.is_active, "reason": state.disabled_reason},
    }


def _sandboxed_sync(backend: Backend, sandbox_key: str) -> tuple[Integration, SyncRun, list[ProviderRequestLog]]:
    """A Slack integration in the sandbox, one sync run to its end, and the requests its connector logged."""
    from .._client import CortexBuild

    with CortexBuild.local(backend=backend, api_key=sandbox_key) as sandboxed:
        integration = sandboxed.integrations.create(
            provider="slack", name="Team Slack", credentials={"accessToken": "xoxb-demo", "defaultChannel": "#general"}
        )
        run = sandboxed.integrations.sync(integration.id)
        assert run is not None  # the local backend always reports its run
        deadline = time.monotonic() + 10
        while not run.done and time.monotonic() < deadline:
            time.sleep(0.01)
            run = sandboxed.integrations.sync_run(integration.id, run.id)
        return integration, run, list(sandboxed.integrations.requests(integration.id))


def _wait_for(verifier: Verifier, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with verifier.arrived:
        while len(verifier.seen) < count and time.monotonic() < deadline:
            verifier.arrived.wait(deadline - time.monotonic())


def _advance_through_retries(backend: Backend, client: CortexBuild, webhook_id: int) -> None:
    from ..local.delivery.schedule import JITTER, RETRY_SCHEDULE

    clock = backend.clock
    backend.drain(timeout=10)
    for delay in RETRY_SCHEDULE:
        if not client.webhooks.retrieve(webhook_id).is_active:
            return
        clock.advance(delay * (1 + JITTER) + 1)  # type: ignore[attr-defined]
        backend.drain(timeout=10)


class _Printer:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def step(self, kind: str, text: str) -> None:
        if self.as_json:
            click.echo(json.dumps({"step": kind, "message": text}))
        else:
            click.echo(f"{click.style(f'{kind:>11}', fg='cyan', bold=True)}  {text}")

    def summary(self, summary: dict[str, Any]) -> None:
        if self.as_json:
            click.echo(json.dumps({"summary": summary}))
            return
        click.echo()
        click.secho("Summary", bold=True)
        click.echo(f"  deliveries received: {summary['deliveries']}, signatures verified: {summary['verified']}")
        fe = summary["failing_endpoint"]
        click.echo(f"  failing endpoint: {fe['attempts']} attempts, then disabled ({fe['reason']})")
        click.echo(f"  domain events walked: {len(summary['domain_events'])}")
        click.echo(f"  finished in {summary['seconds']} s")

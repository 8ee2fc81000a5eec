"""``cortexbuild listen``: subscribe a webhook and forward each delivery, exactly as signed, to a local URL.

The subscription is one webhook named :data:`WEBHOOK_NAME` per store, reused on every start (its URL and
events are updated), so its signing secret is stable across restarts. Stopping (Ctrl-C / SIGTERM)
deactivates it rather than deleting it - deleting would throw the secret away; ``--delete-on-exit`` deletes.
A heartbeat reads the webhook every few seconds: an unreachable backend ends the command with exit 3
instead of a listener that silently hears nothing.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from ._app import EXIT_API, EXIT_CONNECTION, fail
from ._common import backend_options, json_mode, open_client
from ._receiver import Receiver

if TYPE_CHECKING:
    from .._client import CortexBuild
    from ..types.webhook import Webhook

WEBHOOK_NAME = "cortexbuild listen"
PARKED_URL = "http://127.0.0.1:9/cortexbuild-listen"
"""Where a webhook created by ``--print-secret`` points until ``listen`` starts (it is created inactive)."""
_FORWARDED = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature")


@click.command()
@click.option("--forward-to", "forward_to", default=None, metavar="URL", help="Where to POST each delivery.")
@click.option("--events", "events", multiple=True, help="Event names, comma-separated or repeated (default: '*').")
@click.option("--print-secret", is_flag=True, help="Print the stable signing secret and exit.")
@click.option("--heartbeat", type=click.FloatRange(0.2, 60), default=2.0, show_default=True, help="Seconds.")
@click.option("--delete-on-exit", is_flag=True, help="Delete the webhook on exit (the secret changes next time).")
@backend_options
def listen(
    forward_to: str | None, events: tuple[str, ...], print_secret: bool, heartbeat: float, delete_on_exit: bool
) -> None:
    """Receive this store's webhook deliveries and forward them, signed as sent, to --forward-to.

    Prints the signing secret on start, then one line per delivery: event, delivery id, the forward
    target's status and latency. Exit 3 if the backend goes away.
    """
    wanted = [e.strip() for chunk in events for e in chunk.split(",") if e.strip()] or ["*"]
    if not print_secret and not forward_to:
        raise click.UsageError("--forward-to URL is required (or --print-secret)")
    if forward_to and not _is_http_url(forward_to):
        raise click.BadParameter(
            f"must be an http:// or https:// URL with a host, got {forward_to!r}", param_hint="--forward-to"
        )
    with open_client(deliver=True) as client:
        if print_secret:
            hook = _find(client) or _park(client, wanted)
            secret = client.webhooks.secret(hook.id)
            click.echo(json.dumps({"secret": secret, "webhook_id": hook.id}) if json_mode() else secret)
            return
        assert forward_to is not None
        _listen(client, forward_to, wanted, heartbeat, delete_on_exit, json_mode())


def _is_http_url(text: str) -> bool:
    import httpx

    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError):
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _find(client: CortexBuild) -> Webhook | None:
    return next((hook for hook in client.webhooks.list() if hook.name == WEBHOOK_NAME), None)


def _park(client: CortexBuild, events: list[str]) -> Webhook:
    hook = client.webhooks.create(name=WEBHOOK_NAME, url=PARKED_URL, events=events)
    client.webhooks.update(hook.id, is_active=False)
    return hook


def _listen(
    client: CortexBuild, forward_to: str, events: list[str], heartbeat: float, delete_on_exit: bool, as_json: bool
) -> None:
    import httpx

    signal.signal(signal.SIGTERM, _interrupt)  # before the ready line: a stop right after it is still clean
    if client.backend is not None:
        client.backend.delivery.engine()  # a --db store: this process sends its deliveries (as serve would)
    lock = threading.Lock()
    forwarder = httpx.Client(timeout=10.0)

    def deliver(body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        started = time.perf_counter()
        outgoing = {k: v for k, v in headers.items() if k in _FORWARDED or k.startswith("x-cortexbuild-")}
        event = headers.get("x-cortexbuild-event", "?")
        delivery = headers.get("x-cortexbuild-delivery-id") or headers.get("webhook-id") or "?"
        try:
            answer = forwarder.post(forward_to, content=body, headers=outgoing)
            status, text, error = answer.status_code, answer.content[:2048], None
        except httpx.HTTPError as exc:
            status, text, error = 502, str(exc).encode(), f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        with lock:
            record = {"event": event, "delivery_id": delivery, "status": status, "latency_ms": round(ms, 1)}
            _line(record, error, as_json)
        return status, text

    receiver = Receiver(deliver).start()
    hook_id: int | None = None
    try:
        hook = _find(client)
        if hook is None:
            hook = client.webhooks.create(name=WEBHOOK_NAME, url=receiver.url, events=events)
        else:
            client.webhooks.update(hook.id, url=receiver.url, events=events, is_active=True)
        hook_id = hook.id
        _ready(hook_id, client.webhooks.secret(hook_id), receiver.url, forward_to, events, as_json)
        _watch(client.with_options(max_retries=0), hook_id, heartbeat)
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()
        forwarder.close()
    if hook_id is not None:
        _unsubscribe(client, hook_id, delete_on_exit, as_json)


def _watch(client: CortexBuild, webhook_id: int, interval: float) -> None:
    from .._exceptions import APIConnectionError, NotFoundError

    while True:
        time.sleep(interval)
        try:
            current = client.webhooks.retrieve(webhook_id)
        except APIConnectionError as exc:
            fail(f"backend lost: {exc.message}", EXIT_CONNECTION)
        except NotFoundError:
            fail(f"webhook {webhook_id} was deleted; stopping", EXIT_API)
        if not current.is_active:
            reason = current.disabled_reason or "deactivated elsewhere"
            fail(f"webhook {webhook_id} is no longer active ({reason}); stopping", EXIT_API)


def _unsubscribe(client: CortexBuild, webhook_id: int, delete: bool, as_json: bool) -> None:
    try:
        if delete:
            client.webhooks.delete(webhook_id)
        else:
            client.webhooks.update(webhook_id, is_active=False)
    except Exception as exc:  # the backend may be gone already; say so, but stopping stays a clean exit
        click.echo(f"warning: could not {'delete' if delete else 'deactivate'} webhook {webhook_id}: {exc}", err=True)
        return
    _line({"stopped": True, "webhook_id": webhook_id, "action": "deleted" if delete else "deactivated"}, None, as_json)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _ready(webhook_id: int, secret: str, receiver: str, forward_to: str, events: list[str], as_json: bool) -> None:
    info = {"ready": True, "webhook_id": webhook_id, "secret": secret, "receiver": receiver, "forward_to": forward_to}
    if as_json:
        click.echo(json.dumps({**info, "events": events}))
    else:
        click.echo(f"Ready. Webhook signing secret: {secret}  (forwarding {', '.join(events)} to {forward_to})")
        click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()


def _line(record: dict[str, Any], error: str | None, as_json: bool) -> None:
    """One output line; called from receiver threads too (where there is no click context)."""
    if error:
        record["error"] = error
    if as_json:
        click.echo(json.dumps(record))
    elif "stopped" in record:
        click.echo(f"Stopped; webhook {record['webhook_id']} {record['action']}.")
    else:
        now = datetime.now(timezone.utc).strftime("%H:%M:%S")
        tail = f"  {error}" if error else ""
        click.echo(
            f"{now}  {record['event']:<24} {record['delivery_id']}  -> {record['status']}"
            f"  ({record['latency_ms']:.0f} ms){tail}"
        )
    sys.stdout.flush()

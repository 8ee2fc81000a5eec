"""``cortexbuild webhooks ...``: endpoints, their secrets and delivery logs, retries and test sends."""

from __future__ import annotations

import math

import click

from ._app import fail
from ._common import backend_options, emit, open_client

_COLUMNS = ("id", "name", "url", "events", "is_active", "success_count", "failure_count", "disabled_reason")
_LOG_COLUMNS = ("id", "event_type", "delivery_id", "attempt", "response_status", "duration_ms", "error_message")


def _rate(text: str, *, allow_none: bool) -> float | None:
    """``--rate-limit``: a positive, finite number of deliveries per second (or 'none' where it may be removed)."""
    if allow_none and text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        wanted = "a positive number of deliveries per second" + (", or 'none'" if allow_none else "")
        raise click.BadParameter(f"{wanted}, got {text!r}", param_hint="--rate-limit")
    return value


@click.group()
def webhooks() -> None:
    """Webhooks: list, create, get, update, delete, secret, rotate-secret, test, logs, retry, recover, events."""


@webhooks.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=None)
@backend_options
def list_(limit: int | None) -> None:
    """List webhooks."""
    with open_client() as client:
        items = list(client.webhooks.list()) if limit is None else client.webhooks.list(limit=limit).data
        emit(items, columns=_COLUMNS)


@webhooks.command()
@click.option("--name", required=True)
@click.option("--url", required=True, help="The endpoint that receives deliveries.")
@click.option("--event", "events", multiple=True, required=True, help="An event name, or '*' (repeat).")
@click.option("--rate-limit", default=None, help="Deliveries/s cap (a positive number).")
@backend_options
def create(name: str, url: str, events: tuple[str, ...], rate_limit: str | None) -> None:
    """Subscribe a URL to events; prints the webhook with its signing secret."""
    cap = None if rate_limit is None else _rate(rate_limit, allow_none=False)
    with open_client() as client:
        emit(client.webhooks.create(name=name, url=url, events=list(events), rate_limit_per_second=cap))


@webhooks.command()
@click.argument("webhook_id", type=int)
@backend_options
def get(webhook_id: int) -> None:
    """Show one webhook."""
    with open_client() as client:
        emit(client.webhooks.retrieve(webhook_id))


@webhooks.command()
@click.argument("webhook_id", type=int)
@click.option("--name", default=None)
@click.option("--url", default=None)
@click.option("--event", "events", multiple=True, help="Replace the subscribed events (repeat).")
@click.option("--active/--inactive", "is_active", default=None, help="Enable (resumes pending deliveries) or pause.")
@click.option("--rate-limit", default=None, help="Deliveries/s cap, or 'none' to remove it.")
@backend_options
def update(
    webhook_id: int,
    name: str | None,
    url: str | None,
    events: tuple[str, ...],
    is_active: bool | None,
    rate_limit: str | None,
) -> None:
    """Change only the fields given; prints the webhook as it now is."""
    fields: dict[str, object] = {}
    for key, value in (("name", name), ("url", url), ("is_active", is_active)):
        if value is not None:
            fields[key] = value
    if events:
        fields["events"] = list(events)
    if rate_limit is not None:
        fields["rate_limit_per_second"] = _rate(rate_limit, allow_none=True)
    if not fields:
        raise click.UsageError("nothing to update: give --name, --url, --event, --active/--inactive or --rate-limit")
    with open_client() as client:
        client.webhooks.update(webhook_id, **fields)  # type: ignore[arg-type]
        emit(client.webhooks.retrieve(webhook_id))


@webhooks.command()
@click.argument("webhook_id", type=int)
@backend_options
def delete(webhook_id: int) -> None:
    """Delete a webhook and its delivery history."""
    with open_client() as client:
        client.webhooks.delete(webhook_id)
        emit({"deleted": webhook_id})


@webhooks.command()
@click.argument("webhook_id", type=int)
@backend_options
def secret(webhook_id: int) -> None:
    """Print the current signing secret."""
    with open_client() as client:
        emit({"secret": client.webhooks.secret(webhook_id)})


@webhooks.command("rotate-secret")
@click.argument("webhook_id", type=int)
@backend_options
def rotate_secret(webhook_id: int) -> None:
    """Issue a new secret (the old one keeps verifying for 24 hours)."""
    with open_client() as client:
        emit(client.webhooks.rotate_secret(webhook_id))


@webhooks.command()
@click.argument("webhook_id", type=int)
@backend_options
def test(webhook_id: int) -> None:
    """Send a signed webhook.test delivery now; exit 1 if the endpoint did not accept it."""
    with open_client() as client:
        result = client.webhooks.test(webhook_id)
    emit(result)
    if not result.delivered:
        fail(f"webhook {webhook_id} did not accept the test delivery: {result.error or 'no reason given'}")


@webhooks.command()
@click.argument("webhook_id", type=int)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@backend_options
def logs(webhook_id: int, limit: int) -> None:
    """Delivery attempts, newest first."""
    with open_client() as client:
        emit(client.webhooks.logs(webhook_id, limit=limit).data, columns=_LOG_COLUMNS)


@webhooks.command()
@click.argument("webhook_id", type=int)
@click.argument("log_id", type=int)
@backend_options
def retry(webhook_id: int, log_id: int) -> None:
    """Re-send one logged delivery now (same delivery id); prints the new attempt."""
    with open_client() as client:
        emit(client.webhooks.retry_delivery(webhook_id, log_id))


@webhooks.command()
@click.argument("webhook_id", type=int)
@click.option("--since", required=True, help="ISO-8601 time or epoch ms: re-queue failures created since then.")
@backend_options
def recover(webhook_id: int, since: str) -> None:
    """Re-queue every failed delivery since a time."""
    with open_client() as client:
        emit({"requeued": client.webhooks.recover(webhook_id, since=since)})


@webhooks.command()
@backend_options
def events() -> None:
    """The event names a webhook can subscribe to."""
    with open_client() as client:
        emit(client.webhooks.events())

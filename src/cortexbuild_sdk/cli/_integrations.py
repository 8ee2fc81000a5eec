"""``cortexbuild integrations ...``."""

from __future__ import annotations

import click

from ._common import backend_options, emit, open_client, parse_json_option

_COLUMNS = ("id", "provider", "name", "is_active", "sync_status", "last_sync_at", "last_error")


@click.group()
def integrations() -> None:
    """Integrations: list, create, get, activate/deactivate, sync, delete, providers."""


@integrations.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=None)
@backend_options
def list_(limit: int | None) -> None:
    """List integrations."""
    with open_client() as client:
        items = list(client.integrations.list()) if limit is None else client.integrations.list(limit=limit).data
        emit(items, columns=_COLUMNS)


@integrations.command()
@click.option("--provider", required=True, help="e.g. slack, quickbooks (see `integrations providers`).")
@click.option("--name", required=True)
@click.option("--credentials", default=None, metavar="JSON", help='e.g. \'{"accessToken": "xoxb-..."}\'')
@click.option("--config", default=None, metavar="JSON")
@backend_options
def create(provider: str, name: str, credentials: str | None, config: str | None) -> None:
    """Create an integration (credentials are encrypted at rest and never shown again)."""
    creds = parse_json_option(credentials, "--credentials")
    conf = parse_json_option(config, "--config")
    with open_client() as client:
        emit(client.integrations.create(provider=provider, name=name, credentials=creds, config=conf))


@integrations.command()
@click.argument("integration_id", type=int)
@backend_options
def get(integration_id: int) -> None:
    """Show one integration."""
    with open_client() as client:
        emit(client.integrations.retrieve(integration_id))


@integrations.command()
@click.argument("integration_id", type=int)
@click.option("--active/--inactive", "is_active", required=True)
@backend_options
def status(integration_id: int, is_active: bool) -> None:
    """Activate or deactivate an integration."""
    with open_client() as client:
        client.integrations.update_status(integration_id, is_active=is_active)
        emit(client.integrations.retrieve(integration_id))


@integrations.command()
@click.argument("integration_id", type=int)
@backend_options
def sync(integration_id: int) -> None:
    """Run a sync; prints the integration afterwards (its sync_status and last_error)."""
    with open_client() as client:
        message = client.integrations.sync(integration_id)
        item = client.integrations.retrieve(integration_id)
    emit({"message": message, "integration": item})


@integrations.command()
@click.argument("integration_id", type=int)
@backend_options
def delete(integration_id: int) -> None:
    """Delete an integration."""
    with open_client() as client:
        client.integrations.delete(integration_id)
        emit({"deleted": integration_id})


@integrations.command()
@backend_options
def providers() -> None:
    """The providers an integration can connect to."""
    with open_client() as client:
        emit(client.integrations.providers())

"""``cortexbuild keys ...``: API keys (live keys only; a sandbox key cannot manage keys)."""

from __future__ import annotations

import click

from ._common import backend_options, emit, open_client

_COLUMNS = ("id", "name", "key_prefix", "scopes", "is_active", "expires_at", "last_used_at")


@click.group()
def keys() -> None:
    """API keys: list, create, get, update, revoke, roll."""


@keys.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=None, help="At most this many keys.")
@backend_options
def list_(limit: int | None) -> None:
    """List API keys (secrets are never listed)."""
    with open_client() as client:
        items = list(client.keys.list(limit=limit)) if limit is None else client.keys.list(limit=limit).data
        emit(items, columns=_COLUMNS)


@keys.command()
@click.option("--name", required=True, help="A label for the key.")
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope, e.g. webhooks:write (repeat).")
@click.option("--expires-at", default=None, help="ISO-8601 time after which the key stops working.")
@backend_options
def create(name: str, scopes: tuple[str, ...], expires_at: str | None) -> None:
    """Create a key; its secret is printed once and never again."""
    with open_client() as client:
        emit(client.keys.create(name=name, scopes=list(scopes), expires_at=expires_at))


@keys.command()
@click.argument("key_id", type=int)
@backend_options
def get(key_id: int) -> None:
    """Show one key."""
    with open_client() as client:
        emit(client.keys.retrieve(key_id))


@keys.command()
@click.argument("key_id", type=int)
@click.option("--name", default=None)
@click.option("--scope", "scopes", multiple=True, help="Replace the scopes (repeat).")
@click.option("--expires-at", default=None, help="ISO-8601 time; 'never' removes the expiry.")
@backend_options
def update(key_id: int, name: str | None, scopes: tuple[str, ...], expires_at: str | None) -> None:
    """Change a key's name, scopes or expiry."""
    fields: dict[str, object] = {}
    if name is not None:
        fields["name"] = name
    if scopes:
        fields["scopes"] = list(scopes)
    if expires_at is not None:
        fields["expires_at"] = None if expires_at == "never" else expires_at
    if not fields:
        raise click.UsageError("nothing to update: give --name, --scope or --expires-at")
    with open_client() as client:
        emit(client.keys.update(key_id, **fields))  # type: ignore[arg-type]


@keys.command()
@click.argument("key_id", type=int)
@backend_options
def revoke(key_id: int) -> None:
    """Revoke a key now."""
    with open_client() as client:
        client.keys.revoke(key_id)
        emit({"revoked": key_id})


@keys.command()
@click.argument("key_id", type=int)
@backend_options
def roll(key_id: int) -> None:
    """Replace a key's secret: the old one stops working now."""
    with open_client() as client:
        emit(client.keys.roll(key_id))

"""``cortexbuild sandboxes ...``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ._common import backend_options, emit, open_client

F = TypeVar("F", bound=Callable[..., Any])
_COLUMNS = ("id", "name", "description", "is_active", "config", "created_at")
_FLAGS = (
    ("sample_data", "sampleDataEnabled", "Seed sample data."),
    ("webhooks", "webhooksEnabled", "Send the sandbox's webhooks."),
    ("integrations", "integrationsEnabled", "Allow integrations in the sandbox."),
)


def _config_options(f: F) -> F:
    for name, _, help_ in _FLAGS:
        flag = name.replace("_", "-")
        f = click.option(f"--{flag}/--no-{flag}", name, default=None, help=help_)(f)
    return f


def _config(values: dict[str, bool | None]) -> dict[str, bool] | None:
    chosen = {wire: values[name] for name, wire, _ in _FLAGS if values.get(name) is not None}
    return {k: bool(v) for k, v in chosen.items()} or None


@click.group()
def sandboxes() -> None:
    """Sandboxes: list, create, get, update, delete, reset."""


@sandboxes.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=None)
@backend_options
def list_(limit: int | None) -> None:
    """List sandboxes."""
    with open_client() as client:
        items = list(client.sandboxes.list()) if limit is None else client.sandboxes.list(limit=limit).data
        emit(items, columns=_COLUMNS)


@sandboxes.command()
@click.option("--name", required=True)
@click.option("--description", default=None)
@_config_options
@backend_options
def create(name: str, description: str | None, **flags: bool | None) -> None:
    """Create a sandbox; its cbk_test_ key is printed once."""
    with open_client() as client:
        emit(client.sandboxes.create(name=name, description=description, config=_config(flags)))


@sandboxes.command()
@click.argument("sandbox_id", type=int)
@backend_options
def get(sandbox_id: int) -> None:
    """Show one sandbox."""
    with open_client() as client:
        emit(client.sandboxes.retrieve(sandbox_id))


@sandboxes.command()
@click.argument("sandbox_id", type=int)
@click.option("--name", default=None)
@click.option("--description", default=None)
@click.option("--active/--inactive", "is_active", default=None)
@_config_options
@backend_options
def update(
    sandbox_id: int, name: str | None, description: str | None, is_active: bool | None, **flags: bool | None
) -> None:
    """Change a sandbox's name, description, activity or config flags."""
    fields: dict[str, object] = {}
    for key, value in (("name", name), ("description", description), ("is_active", is_active)):
        if value is not None:
            fields[key] = value
    config = _config(flags)
    if config:
        fields["config"] = config
    if not fields:
        raise click.UsageError("nothing to update")
    with open_client() as client:
        emit(client.sandboxes.update(sandbox_id, **fields))  # type: ignore[arg-type]


@sandboxes.command()
@click.argument("sandbox_id", type=int)
@backend_options
def delete(sandbox_id: int) -> None:
    """Delete a sandbox and its data."""
    with open_client() as client:
        client.sandboxes.delete(sandbox_id)
        emit({"deleted": sandbox_id})


@sandboxes.command()
@click.argument("sandbox_id", type=int)
@backend_options
def reset(sandbox_id: int) -> None:
    """Restore a sandbox's data to its initial state."""
    with open_client() as client:
        emit(client.sandboxes.reset(sandbox_id))

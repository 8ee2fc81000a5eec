"""Options every command shares (``--json``, ``--db`` / ``--base-url`` / ``--api-key``) and output helpers."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._app import EXIT_CONNECTION, EXIT_USAGE, fail

if TYPE_CHECKING:
    from .._client import CortexBuild
    from ..local import Backend

__all__ = [
    "backend_options",
    "db_path",
    "emit",
    "json_mode",
    "json_option",
    "open_client",
    "open_store",
    "open_target",
    "to_plain",
]

F = TypeVar("F", bound=Callable[..., Any])
_META = "cortexbuild."


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            ctx.meta[_META + name] = value

    return callback


def json_option(f: F) -> F:
    return click.option(
        "--json/--no-json",
        "as_json",
        default=None,
        expose_value=False,
        callback=_store("json"),
        help="JSON output (the default when stdout is not a terminal).",
    )(f)


def backend_options(f: F) -> F:
    """``--db PATH`` (the local store) or ``--base-url URL`` with ``--api-key``."""
    f = click.option(
        "--api-key",
        envvar="CORTEXBUILD_API_KEY",
        default=None,
        expose_value=False,
        callback=_store("api_key"),
        help="API key ($CORTEXBUILD_API_KEY). With --db the store's owner key is the default.",
    )(f)
    f = click.option(
        "--base-url",
        envvar="CORTEXBUILD_BASE_URL",
        default=None,
        metavar="URL",
        expose_value=False,
        callback=_store("base_url"),
        help="A server to talk to ($CORTEXBUILD_BASE_URL), e.g. http://127.0.0.1:3001. Overrides --db.",
    )(f)
    f = click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_store("db"),
        help="The local store ($CORTEXBUILD_DB, else ./cortexbuild.db).",
    )(f)
    return json_option(f)


def meta(name: str) -> Any:
    return click.get_current_context().meta.get(_META + name)


def json_mode() -> bool:
    chosen = meta("json")
    return bool(chosen) if chosen is not None else not sys.stdout.isatty()


def db_path(given: Path | None = None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("CORTEXBUILD_DB")
    return Path(env) if env else Path.cwd() / "cortexbuild.db"


@contextlib.contextmanager
def open_client(*, deliver: bool = False) -> Iterator[CortexBuild]:
    """A client for the chosen backend: the remote server, or the local store opened in this process (sending
    webhook deliveries in the background only if ``deliver``: `listen` does, one-shot commands do not)."""
    with open_target(deliver=deliver) as (client, _backend):
        yield client


@contextlib.contextmanager
def open_target(*, deliver: bool = False) -> Iterator[tuple[CortexBuild, Backend | None]]:
    """:func:`open_client`, with the local backend too (None for ``--base-url``)."""
    from .._client import CortexBuild

    base_url, api_key = meta("base_url"), meta("api_key")
    if base_url:
        if not api_key:
            fail("--base-url needs an API key: pass --api-key or set CORTEXBUILD_API_KEY", EXIT_USAGE)
        with CortexBuild(api_key=api_key, base_url=base_url, max_retries=1) as client:
            yield client, None
        return
    # A one-shot command sends nothing in the background (so it never waits on deliveries at exit): its events
    # stay queued for `local serve` / `listen` on the same store.
    store = open_store(db_path(meta("db")), background_delivery=deliver)
    with store as backend, CortexBuild.local(backend=backend, api_key=api_key) as client:
        yield client, backend


def open_store(path: Path, **options: Any) -> Backend:
    """``Backend(path, **options)``, with a store that cannot be opened as a one-line error: exit 3 (not a
    database, the wrong encryption key, the filesystem refused) or 2 (a bad option or setting)."""
    import sqlite3

    from ..local import Backend
    from ..local.store import EncryptionKeyUnavailable

    if not path.name or path.name in (".", ".."):
        fail(f"--db needs a file name, got {str(path)!r}", EXIT_USAGE)
    try:
        return Backend(path, **options)
    except (sqlite3.DatabaseError, EncryptionKeyUnavailable) as exc:
        fail(f"cannot open the store {path}: {' '.join(str(exc).split())}", EXIT_CONNECTION)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"cannot open the store {path}: {exc.strerror or exc}{where}", EXIT_CONNECTION)
    except ValueError as exc:  # an unknown tier, a malformed CORTEXBUILD_ENCRYPTION_KEY
        fail(" ".join(str(exc).split()), EXIT_USAGE)


def to_plain(value: Any) -> Any:
    """Models, pages and lists -> JSON-ready values."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def emit(value: Any, *, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print a result: JSON (pretty on a terminal, compact in pipes), or a rich table / key-value listing."""
    plain = to_plain(value)
    if json_mode():
        click.echo(json.dumps(plain, indent=2 if sys.stdout.isatty() else None, ensure_ascii=False))
        return
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # rich is part of the cli extra; without it, indented JSON is still readable
        click.echo(json.dumps(plain, indent=2, ensure_ascii=False))
        return

    console = Console()
    if isinstance(plain, list):
        rows = [r for r in plain if isinstance(r, dict)]
        cols = list(columns or (rows[0].keys() if rows else ["value"]))
        table = Table(*cols, title=title)
        for row in rows if rows else [{"value": v} for v in plain]:
            # Text, not str: rich would read "[red]" in a name as markup and drop it from the output.
            table.add_row(*(Text(_cell(row.get(c))) for c in cols))
        console.print(table)
    elif isinstance(plain, dict):
        table = Table(show_header=False, title=title, box=None)
        for key, val in plain.items():
            table.add_row(Text(str(key), style="bold"), Text(_cell(val)))
        console.print(table)
    else:
        console.print(Text(str(plain)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_json_option(text: str | None, name: str) -> Any:
    """A JSON object option (``--credentials``, ``--config``): strict JSON (no NaN or Infinity, no number too
    large for a float), else a usage error."""
    if text is None:
        return None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=name) from None
    if not isinstance(value, dict):
        raise click.BadParameter(f"must be a JSON object, not {type(value).__name__}", param_hint=name)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value

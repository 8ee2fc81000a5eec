"""``cortexbuild local serve``: the embedded backend over real HTTP (uvicorn + :mod:`cortexbuild_sdk.local.asgi`)."""

from __future__ import annotations

import json
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import click

from ._app import EXIT_CONNECTION, EXIT_USAGE, fail
from ._common import db_path, emit, json_mode, json_option, open_store


@click.group()
def local() -> None:
    """The embedded local backend (a SQLite store): serve it over HTTP, print its owner key."""


@local.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3001, show_default=True, help="0 picks a free port.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The store file.")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="SQLite worker threads.")
@click.option("--tier", default=None, help="Set the owner account's tier (free, starter, pro, enterprise).")
@click.option("--no-rate-limits", is_flag=True, help="Turn the per-key rate limits off (load tests).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="warning")
@json_option
def serve(
    host: str, port: int, db: Path | None, workers: int, tier: str | None, no_rate_limits: bool, log_level: str
) -> None:
    """Serve the local store at http://HOST:PORT with the platform's routes (and GET /openapi.json).

    Prints the owner API key when the store is created. SIGINT/SIGTERM shut down gracefully: no new
    connections, in-flight requests finish, in-flight webhook deliveries finish (the rest stay queued).
    """
    try:
        import uvicorn
    except ImportError:
        fail("`local serve` needs uvicorn: pip install 'cortexbuild-sdk[cli]'", EXIT_USAGE)
    from ..local import RateLimitConfig
    from ..local.asgi import ASGIApp

    path = db_path(db)
    first_run = not path.exists()
    sock = _bind(host, port)
    limits = RateLimitConfig.disabled() if no_rate_limits else None
    try:
        backend = open_store(path, tier=tier, rate_limits=limits)
    except BaseException:
        sock.close()
        raise
    app = ASGIApp(backend, workers=workers, close_backend=True)
    bound_port = sock.getsockname()[1]
    url = f"http://{_url_host(host)}:{bound_port}"
    ready: dict[str, Any] = {"event": "listening", "url": url, "db": str(path), "created": first_run}
    if first_run:
        ready["owner_key"] = backend.owner_api_key

    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=30,
        limit_concurrency=1024,
        server_header=False,
        access_log=log_level in ("info", "debug"),
    )
    server = _Server(config, on_ready=lambda: _announce(ready))
    # uvicorn re-raises the signal that stopped it once it has shut down; a Python handler here absorbs it,
    # so a graceful stop exits 0 instead of dying of SIGTERM or surfacing as KeyboardInterrupt.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _absorb)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.close()  # idempotent with the lifespan shutdown; covers a failed startup
    if json_mode():
        click.echo(json.dumps({"event": "stopped", "url": url}))
    else:
        click.echo("stopped", err=True)


class _Server:
    """uvicorn's Server, telling us once the socket accepts connections (after lifespan startup)."""

    def __new__(cls, config: Any, on_ready: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets)
                if not self.should_exit:
                    on_ready()

        return Server(config)


def _absorb(signum: int, frame: Any) -> None:
    """Installed around uvicorn's own handlers: receives the re-raised stop signal after shutdown."""


def _announce(ready: dict[str, Any]) -> None:
    if json_mode():
        click.echo(json.dumps(ready))
    else:
        click.echo(f"CortexBuild local backend listening on {ready['url']}  (store: {ready['db']})")
        if "owner_key" in ready:
            click.echo(
                f"Owner API key (printed once; `cortexbuild local owner-key` shows it again): {ready['owner_key']}"
            )
        click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_CONNECTION)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


@local.command("owner-key")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The store file.")
@json_option
def owner_key(db: Path | None) -> None:
    """Print the store's owner API key (every scope). Creates the store if it does not exist."""
    with open_store(db_path(db), background_delivery=False) as backend:
        key = backend.owner_api_key
    if json_mode():
        emit({"owner_key": key})
    else:
        click.echo(key)


@local.command()
def openapi() -> None:
    """Print the OpenAPI 3.1 document of the local backend (as served at GET /openapi.json)."""
    from ..local.openapi import openapi_document

    click.echo(json.dumps(openapi_document(), indent=2, ensure_ascii=False))

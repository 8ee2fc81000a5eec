"""The root group, lazy subcommand loading and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from .._version import __version__

__all__ = [
    "EXIT_API",
    "EXIT_CONNECTION",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VERIFY",
    "CliError",
    "run",
]

from ._codes import (
    EXIT_API,
    EXIT_CONNECTION,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFY,
)

# name -> "module:attribute", imported when the command runs or its help is shown.
COMMANDS: dict[str, tuple[str, str]] = {
    "local": ("cortexbuild_sdk.cli._serve:local", "Run the embedded backend over HTTP; print its owner key."),
    "demo": ("cortexbuild_sdk.cli._demo:demo", "A guided tour: keys, webhooks, signed deliveries, retries."),
    "trigger": ("cortexbuild_sdk.cli._trigger:trigger", "Cause any of the 24 events through a real domain action."),
    "projects": ("cortexbuild_sdk.cli._domain:projects", "Projects: list, create, get, update, delete."),
    "rfis": ("cortexbuild_sdk.cli._domain:rfis", "RFIs: list, create, get, update, answer, close, void, delete."),
    "invoices": ("cortexbuild_sdk.cli._domain:invoices", "Invoices: list, create, get, update, send, pay, cancel."),
    "listen": ("cortexbuild_sdk.cli._listen:listen", "Subscribe a webhook and forward its deliveries to a URL."),
    "verify": ("cortexbuild_sdk.cli._verify:verify", "Check a captured webhook delivery's signature by hand."),
    "keys": ("cortexbuild_sdk.cli._keys:keys", "List, create, update, revoke and roll API keys."),
    "webhooks": ("cortexbuild_sdk.cli._webhooks:webhooks", "Manage webhooks: logs, retry, test, secrets."),
    "integrations": ("cortexbuild_sdk.cli._integrations:integrations", "Manage integrations and run syncs."),
    "sandboxes": ("cortexbuild_sdk.cli._sandboxes:sandboxes", "Create, reset and delete sandboxes."),
}


class CliError(click.ClickException):
    """One line on stderr and a chosen exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_API) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class LazyGroup(click.Group):
    """A group whose subcommands are ``module:attr`` strings, imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module, _, attr = self._lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The listing uses the short help kept here, so `--help` imports no subcommand module.
        rows = [(name, help_) for name, (_, help_) in sorted(self._lazy.items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _store_json(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        ctx.meta["cortexbuild.json"] = value


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="Exit codes: 0 ok, 1 API error, 2 usage, 3 connection/backend lost, 4 verification failed, "
    "70 internal error, 130 interrupted. Docs: docs/cli.md",
)
@click.version_option(__version__, "-V", "--version", prog_name="cortexbuild")
@click.option(
    "--json/--no-json",
    "as_json",
    default=None,
    expose_value=False,
    callback=_store_json,
    help="JSON output (the default when stdout is not a terminal).",
)
def cli() -> None:
    """The CortexBuild developer command: a local backend over HTTP, webhook tools and everyday operations."""


def run(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="cortexbuild", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.UsageError as exc:  # one line, naming the help to read (click's default is three)
        where = exc.ctx.command_path if exc.ctx is not None else "cortexbuild"
        click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        code, message = describe(exc)
        if code == EXIT_INTERNAL and os.environ.get("CORTEXBUILD_DEBUG"):
            raise
        click.echo(f"error: {message}", err=True)
        return code
    return int(result) if isinstance(result, int) else EXIT_OK


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and one-line message for an exception a command let through."""
    from .._exceptions import APIConnectionError, APIStatusError, CortexBuildError

    if isinstance(exc, APIStatusError):
        code = f" {exc.code}" if getattr(exc, "code", None) else ""
        return EXIT_API, f"HTTP {exc.status_code}{code}: {_one_line(exc.message)}"
    if isinstance(exc, APIConnectionError):
        return EXIT_CONNECTION, f"cannot reach the API: {_one_line(str(exc))}"
    if isinstance(exc, CortexBuildError):
        return EXIT_API, _one_line(str(exc))
    if isinstance(exc, (ValueError, TypeError)) and _from_argument_checks(exc):
        # The typed client refused an argument before sending it (`--budget abc`): the user's input, not a bug.
        return EXIT_USAGE, f"invalid value: {_one_line(str(exc))}"
    if isinstance(exc, OSError):
        return EXIT_CONNECTION, _one_line(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
    return (
        EXIT_INTERNAL,
        f"internal error ({type(exc).__name__}): {_one_line(str(exc))} (CORTEXBUILD_DEBUG=1 shows more)",
    )


_ARGUMENT_CHECKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "")


def _from_argument_checks(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by the client's own argument checks (the innermost frame is in
    ``cortexbuild_sdk/resources/``), which the CLI's options feed user text into."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_ARGUMENT_CHECKS)


def fail(message: str, code: int = EXIT_API) -> NoReturn:
    raise CliError(message, code)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _silence_stdout() -> None:
    # `cortexbuild ... | head`: the reader left; point stdout at devnull so the interpreter's flush is quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

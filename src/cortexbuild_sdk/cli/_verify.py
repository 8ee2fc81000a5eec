"""``cortexbuild verify``: check a captured delivery (raw body on stdin or --body) against a secret."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ._app import EXIT_VERIFY, fail
from ._common import emit, json_option


def _header(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME:VALUE, got {value!r}", param_hint="--header")
        pairs.append((name.strip(), rest.strip()))
    return pairs


@click.command()
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    required=True,
    envvar="CORTEXBUILD_WEBHOOK_SECRET",
    help="The endpoint's signing secret (repeat during a rotation; $CORTEXBUILD_WEBHOOK_SECRET).",
)
@click.option(
    "--header",
    "-H",
    "headers",
    multiple=True,
    callback=_header,
    help="A delivery header as NAME:VALUE (repeat). The full set, or the four X-CortexBuild-* alone.",
)
@click.option(
    "--body",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the raw body (default: stdin). Exactly the bytes received.",
)
@click.option(
    "--tolerance",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Seconds the timestamp may differ from now.",
)
@click.option("--no-tolerance", is_flag=True, help="Skip the freshness check (re-verifying an old capture).")
@json_option
def verify(
    secrets: tuple[str, ...], headers: list[tuple[str, str]], body: Path | None, tolerance: int, no_tolerance: bool
) -> None:
    """Verify a webhook delivery by hand: exit 0 if genuine and fresh, 4 (with the reason) if not.

    \b
    cortexbuild verify --secret "$SECRET" \\
      -H "X-CortexBuild-Signature: 5d41..." -H "X-CortexBuild-Timestamp: 1760000000000" \\
      -H "X-CortexBuild-Event: project.created" -H "X-CortexBuild-Delivery-Id: dlv_..." < body.json
    """
    from .. import webhooks

    if not headers:
        raise click.UsageError("give the delivery's headers with --header NAME:VALUE")
    if body is None and sys.stdin.isatty():  # rather than wait for a body typed at the terminal
        raise click.UsageError("give the raw body with --body FILE or on stdin (< body.json)")
    payload = body.read_bytes() if body is not None else sys.stdin.buffer.read()
    header_map = dict(headers)
    try:
        webhooks.verify(payload, header_map, list(secrets), tolerance=None if no_tolerance else tolerance)
    except webhooks.WebhookVerificationError as exc:
        fail(f"not verified: {exc}", EXIT_VERIFY)
    event = delivery = None
    try:
        parsed = json.loads(payload)
        event = parsed.get("event") if isinstance(parsed, dict) else None
    except ValueError:
        pass
    delivery = webhooks.delivery_id(header_map)
    emit({"verified": True, "event": event, "delivery_id": delivery})

"""``cortexbuild trigger <event>``: cause one of the 24 events through a real domain action on sample data.

Unlike a mock, the change really happens (the objects stay in the store) and the event is written with it;
deliveries go to the store's webhooks (sent by ``local serve`` / ``listen`` with ``--db``, or by the server
with ``--base-url``). ``--override resource.field=value`` sets a field of a sample object's create call; an
override the event's actions would not use is a usage error, checked before anything is created.
"""

from __future__ import annotations

import click

from .._events import EVENT_TYPES
from ._app import EXIT_USAGE, fail
from ._common import backend_options, emit, open_target


@click.command()
@click.argument("event", type=click.Choice(EVENT_TYPES), metavar="EVENT")
@click.option(
    "--override",
    "overrides",
    multiple=True,
    metavar="RESOURCE.FIELD=VALUE",
    help="Set a field of a sample object, e.g. project.name='Tower B' or invoice.tax_rate=9.5 (repeat).",
)
@backend_options
def trigger(event: str, overrides: tuple[str, ...]) -> None:
    """Cause EVENT (one of the 24 catalogue events, e.g. rfi.answered) through a real API action on
    realistic sample data, created as needed. Prints the event and the object it carries."""
    from ._sample import TRIGGERS, OverrideError, Sample, parse_overrides

    try:
        parsed = parse_overrides(overrides)
    except OverrideError as exc:
        fail(str(exc), EXIT_USAGE)
    with open_target() as (client, backend):
        sample = Sample(client, parsed)
        try:
            sample.check(event)
        except OverrideError as exc:
            fail(str(exc), EXIT_USAGE)
        obj = TRIGGERS[event](sample, backend)
        if event == "invoice.overdue" and obj.status != "overdue":
            fail("the invoice is past due but the server has not marked it overdue yet; try again shortly")
        emit({"event": event, "object": obj})

"""The Stripe sync reads O(what succeeded) from Stripe too: after a first sync that lists every PaymentIntent, a
sync reads only the ``payment_intent.succeeded`` events since its remote cursor; it lists every intent again
only when events it has not seen may have expired (29 days after the last clean sync, on the backend clock)
or the key may not read events. Stripe is answered by respx from its documented shapes (``stripe_fake.py``),
on the same manual clock as the backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import respx

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.connectors.stripe import RETENTION_S, RETRY_KIND
from cortexbuild_sdk.local.providers import PROVIDERS
from cortexbuild_sdk.resources._domain import ItemParam
from cortexbuild_sdk.types import SyncRun

from .conftest import HOST, START
from .counting import CountingData, Reads, count_mappings
from .stripe_fake import StripeFake

ITEMS: list[ItemParam] = [{"description": "Labour", "quantity": "1", "unit_price": "100.00"}]
DAY = 86_400
T0 = int(START)  # the clocks' start, in Stripe's whole seconds
EVENTS, INTENTS = "/v1/events", "/v1/payment_intents"


@dataclass
class World:
    client: CortexBuild
    backend: Backend
    clock: ManualClock
    stripe: StripeFake
    reads: Reads

    def sync(self, iid: int, *, ok: bool = True) -> SyncRun:
        self.reads.rows = self.reads.whole = self.reads.mappings = self.reads.loaded = 0
        self.stripe.calls.clear()
        run = self.client.integrations.sync(iid)
        assert run is not None
        self.backend.wait_for_syncs()
        done = self.client.integrations.sync_run(iid, run.id)
        assert (done.status == "success") is ok, done.error
        return done

    def cursor(self, iid: int) -> tuple[str, int] | None:
        """(next ``created[gte]``, local time of the last clean sync)."""
        with self.backend.db.read() as conn:
            row = conn.execute(
                "SELECT sync_token, local_updated_at FROM connector_mappings"
                " WHERE integration_id = ? AND kind = 'cursor'",
                (iid,),
            ).fetchone()
        return (row[0], row[1]) if row is not None else None

    def waiting(self, iid: int) -> list[str]:
        """The intents whose payment waits to be recorded again."""
        with self.backend.db.read() as conn:
            rows = conn.execute(
                "SELECT remote_id FROM connector_mappings WHERE integration_id = ? AND kind = ? ORDER BY remote_id",
                (iid, RETRY_KIND),
            ).fetchall()
        return [r[0] for r in rows]

    def invoices(self, n: int) -> list[int]:
        cid = self.client.clients.create(name="Bay Builders", email="ap@bay.example").id
        create = self.client.invoices.create
        return [create(client_id=cid, issue_date="2025-10-01", due_date="2025-11-01", items=ITEMS).id for _ in range(n)]

    def statuses(self, invoices: list[int]) -> list[str | None]:
        return [self.client.invoices.retrieve(i).status for i in invoices]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    clock, reads = ManualClock(START), Reads()
    stripe = StripeFake(now=clock.now)
    count_mappings(monkeypatch, reads)
    with (
        Backend(
            tmp_path / "store.db",
            clock=clock,
            provider_urls=dict.fromkeys(PROVIDERS, HOST),
            local_data=lambda ctx: CountingData(ctx, reads),
        ) as backend,
        CortexBuild.local(backend=backend) as client,
        respx.mock(assert_all_called=False) as mock,
    ):
        backend.connectors.sleep = lambda s: None
        stripe.mount(mock, HOST)
        yield World(client, backend, clock, stripe, reads)


def _stripe(world: World) -> int:
    return world.client.integrations.create(provider="stripe", name="Stripe", credentials={"apiKey": "sk_test_1"}).id


def _read_from(stripe: StripeFake) -> list[str | None]:
    """The ``created[gte]`` of each events page this sync asked for (None: the newest event, before a scan)."""
    for query in stripe.lists(EVENTS):
        assert query["type"] == "payment_intent.succeeded" and query["limit"] == (
            "100" if "created[gte]" in query else "1"
        )
    return [query.get("created[gte]") for query in stripe.lists(EVENTS)]


def test_repeat_sync_with_nothing_new_lists_no_intent_and_reads_no_local_row(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    for n in range(7):  # succeeded intents that are not CortexBuild invoices' (their events are read, then passed)
        stripe.add(f"pi_shop_{n}", amount_received=500, currency="usd")
    world.clock.advance(3600)
    for n, invoice in enumerate(world.invoices(3)):
        stripe.pay(f"pi_{n}", invoice)
    first = world.sync(iid)
    assert first.counts.updated == 3 and len(stripe.lists(INTENTS)) == 5  # 10 intents, pages of 2
    assert _read_from(stripe) == [None]  # the newest event, before the scan
    assert world.cursor(iid) == (str(T0 + 3600 - 60), T0 + 3600)

    world.clock.advance(3600)
    second = world.sync(iid)  # the three events within the cursor's overlap only, in two pages
    assert stripe.lists(INTENTS) == [] and _read_from(stripe) == [str(T0 + 3600 - 60)] * 2
    assert stripe.lists(EVENTS)[1]["starting_after"] == "evt_9"
    assert world.reads.rows == world.reads.loaded == world.reads.whole == 0
    assert second.counts.skipped == 3 and world.reads.mappings == 3  # the three payments' mappings, probed
    assert world.cursor(iid) == (str(T0 + 3600 - 60), T0 + 7200)


def test_intent_succeeding_between_syncs_is_recorded_from_its_event(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    invoices = world.invoices(4)
    stripe.pay("pi_0", invoices[0])
    stripe.add("pi_1", "processing", metadata={"cortexbuild_invoice_id": str(invoices[1])})
    world.sync(iid)
    assert world.statuses(invoices) == ["paid", "draft", "draft", "draft"]

    world.clock.advance(600)
    stripe.update("pi_1", status="succeeded", amount_received=10_000, currency="usd")
    stripe.pay("pi_2", invoices[2], amount=1_000, currency="jpy")  # made and succeeded since
    second = world.sync(iid)
    assert stripe.lists(INTENTS) == [] and _read_from(stripe) == [str(T0 - 60)] * 2
    assert second.counts.updated == 2 and world.reads.loaded == 2  # only the two invoices paid
    assert world.statuses(invoices) == ["paid", "paid", "paid", "draft"]

    stripe.pay("pi_3", invoices[3])  # succeeds in the second the last sync's newest event has
    third = world.sync(iid)
    assert stripe.lists(INTENTS) == [] and _read_from(stripe) == [str(T0 + 600 - 60)] * 2
    assert third.counts.updated == 1 and third.counts.skipped == 2
    assert world.statuses(invoices) == ["paid"] * 4


def test_cursor_older_than_29_days_falls_back_to_a_full_scan(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    invoices = world.invoices(3)
    stripe.pay("pi_0", invoices[0])
    world.sync(iid)

    world.clock.advance(3600)
    stripe.pay("pi_1", invoices[1])
    world.clock.set(T0 + RETENTION_S)  # 29 days after the last clean sync: read from the events
    assert world.sync(iid).counts.updated == 1 and stripe.lists(INTENTS) == []

    world.clock.advance(3600)
    stripe.pay("pi_2", invoices[2])
    world.clock.set(T0 + RETENTION_S + 31 * DAY)  # pi_2's event has expired: only the list has it
    fallback = world.sync(iid)
    assert _read_from(stripe) == [None] and len(stripe.lists(INTENTS)) == 2  # the whole list again
    assert fallback.counts.updated == 1 and fallback.counts.skipped == 2
    assert world.statuses(invoices) == ["paid"] * 3
    assert world.cursor(iid) == ("0", T0 + RETENTION_S + 31 * DAY)  # no event kept: 0


def test_a_payment_that_cannot_be_recorded_waits_without_holding_the_cursor(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    invoices = world.invoices(4)
    stripe.pay("pi_0", invoices[0])
    world.sync(iid)

    world.clock.advance(600)
    stripe.add("pi_bad", amount_received=100, currency="usd", metadata={"cortexbuild_invoice_id": "INV-7"})
    stripe.pay("pi_gone", 999_999)  # an invoice this account does not have
    stripe.pay("pi_1", invoices[1])
    failed = world.sync(iid, ok=False)
    assert failed.counts.failed == 2 and failed.counts.updated == 1
    assert "pi_bad" in (failed.error or "") and "pi_gone" in (failed.error or "")
    assert world.cursor(iid) == (str(T0 + 600 - 60), T0 + 600)  # the others' cursor moved on
    assert world.waiting(iid) == ["pi_bad", "pi_gone"]

    world.clock.advance(600)
    stripe.pay("pi_2", invoices[2])
    again = world.sync(iid, ok=False)  # the two are fetched again, each still failing; pi_2 is recorded
    assert sorted(q for q in stripe.calls_to(INTENTS + "/")) == ["pi_bad", "pi_gone"] and stripe.lists(INTENTS) == []
    assert again.counts.failed == 2 and again.counts.updated == 1 and world.waiting(iid) == ["pi_bad", "pi_gone"]

    world.clock.advance(600)  # the metadata is corrected in Stripe (no new event): the retry picks it up
    stripe.update("pi_bad", metadata={"cortexbuild_invoice_id": str(invoices[3])})
    stripe.intents[:] = [i for i in stripe.intents if i["id"] != "pi_gone"]  # gone from this account
    fixed = world.sync(iid, ok=False)  # pi_gone is reported a last time, and forgotten
    assert fixed.counts.failed == 1 and fixed.counts.updated == 1 and world.waiting(iid) == []
    assert "pi_gone: no longer in Stripe" in (fixed.error or "")
    assert world.statuses(invoices) == ["paid"] * 4
    assert world.sync(iid).counts.failed == 0 and stripe.calls_to(INTENTS + "/") == []  # nothing waits


def test_first_sync_without_events_does_not_make_later_syncs_scan(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    (invoice,) = world.invoices(1)
    stripe.add("pi_0", "requires_payment_method", metadata={"cortexbuild_invoice_id": str(invoice)})
    world.sync(iid)  # no payment_intent.succeeded event at all: cursor 0
    assert len(stripe.lists(INTENTS)) == 1 and world.cursor(iid) == ("0", T0)

    for days in (20, 40):  # 40 days after the first sync, but 20 after the last clean one
        world.clock.set(T0 + days * DAY)
        world.sync(iid)
        assert stripe.lists(INTENTS) == [] and _read_from(stripe) == ["0"]
        assert world.cursor(iid) == ("0", T0 + days * DAY)

    stripe.update("pi_0", status="succeeded", amount_received=10_000, currency="usd")
    world.clock.advance(10)
    assert world.sync(iid).counts.updated == 1 and stripe.lists(INTENTS) == []
    assert world.cursor(iid) == (str(T0 + 40 * DAY - 60), T0 + 40 * DAY + 10)
    assert world.statuses([invoice]) == ["paid"]


def test_key_without_events_access_lists_every_intent_each_time(world: World) -> None:
    iid, stripe = _stripe(world), world.stripe
    (invoice,) = world.invoices(1)
    stripe.forbid_events = True  # a restricted key without Events read: as before the cursor
    stripe.pay("pi_0", invoice)
    assert world.sync(iid).counts.updated == 1 and len(stripe.lists(INTENTS)) == 1
    assert world.sync(iid).counts.skipped == 1 and len(stripe.lists(INTENTS)) == 1
    assert world.cursor(iid) is None

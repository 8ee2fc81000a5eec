"""Xero, Mailchimp and Stripe syncs on the real construction domain do work proportional to what changed
locally: a repeat sync with nothing changed reads no local row and writes nothing to the provider, N edits
are N rows read and N writes, and a change committed while a sync runs is pushed by the next one. The
providers are answered by respx from their documented shapes; the domain reads are counted."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.providers import PROVIDERS
from cortexbuild_sdk.resources._domain import ItemParam
from cortexbuild_sdk.types import SyncRun

from .conftest import HOST
from .counting import CountingData, Reads, count_mappings
from .stripe_fake import StripeFake

ITEMS: list[ItemParam] = [{"description": "Labour", "quantity": "1", "unit_price": "100.00"}]


@dataclass
class Provider:
    """What respx answers: Xero contacts, Mailchimp members, a Stripe account (PaymentIntents and events)."""

    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    stripe: StripeFake = field(default_factory=StripeFake)
    refuse: set[str] = field(default_factory=set)
    writes: int = 0

    def xero_contacts(self, request: httpx.Request) -> httpx.Response:
        answered = []
        for contact in json.loads(request.content)["Contacts"]:
            self.writes += 1
            if contact["Name"] in self.refuse:
                answered.append({**contact, "ValidationErrors": [{"Message": "Name is refused"}]})
                continue
            cid = contact.get("ContactID") or f"ct-{len(self.contacts) + 1}"
            self.contacts[cid] = {**contact, "ContactID": cid}
            answered.append(self.contacts[cid])
        return httpx.Response(200, json={"Contacts": answered})

    def mailchimp_member(self, request: httpx.Request, hash: str) -> httpx.Response:
        self.writes += 1
        body = json.loads(request.content)
        assert hash == hashlib.md5(body["email_address"].lower().encode()).hexdigest()
        self.members[hash] = body
        return httpx.Response(200, json={"id": hash, "email_address": body["email_address"], "status": "subscribed"})

    def names(self) -> set[str]:
        return {str(c["Name"]) for c in self.contacts.values()}


@dataclass
class World:
    client: CortexBuild
    backend: Backend
    provider: Provider
    reads: Reads

    def sync(self, iid: int, *, ok: bool = True) -> SyncRun:
        self.reads.rows = self.reads.whole = self.reads.mappings = self.reads.loaded = 0
        run = self.client.integrations.sync(iid)
        assert run is not None
        self.backend.wait_for_syncs()
        done = self.client.integrations.sync_run(iid, run.id)
        assert (done.status == "success") is ok, done.error
        return done


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    provider, reads = Provider(), Reads()
    count_mappings(monkeypatch, reads)
    with (
        Backend(
            tmp_path / "store.db",
            provider_urls=dict.fromkeys(PROVIDERS, HOST),
            local_data=lambda ctx: CountingData(ctx, reads),
        ) as backend,
        CortexBuild.local(backend=backend) as client,
        respx.mock(assert_all_called=False) as mock,
    ):
        backend.connectors.sleep = lambda s: None
        mock.post(f"{HOST}/api.xro/2.0/Contacts").mock(side_effect=provider.xero_contacts)
        members = re.compile(re.escape(HOST) + r"/3\.0/lists/list9/members/(?P<hash>[0-9a-f]{32})")
        mock.put(url__regex=members).mock(side_effect=provider.mailchimp_member)
        provider.stripe.mount(mock, HOST)
        yield World(client, backend, provider, reads)


def _integration(c: CortexBuild, provider: str, credentials: dict[str, str]) -> int:
    return c.integrations.create(provider=provider, name=provider, credentials=credentials).id


def _mailchimp(c: CortexBuild) -> int:
    credentials, config = {"apiKey": "abc123-us6"}, {"listId": "list9"}
    return c.integrations.create(provider="mailchimp", name="News", credentials=credentials, config=config).id


def _clients(c: CortexBuild, n: int) -> list[int]:
    return [c.clients.create(name=f"Client {k:03d}", email=f"c{k}@example.com").id for k in range(n)]


def test_xero_repeat_sync_reads_only_changed_clients(world: World) -> None:
    c = world.client
    iid = _integration(c, "xero", {"accessToken": "at", "tenantId": "tenant-1"})
    ids = _clients(c, 12)
    first = world.sync(iid)
    assert world.reads.rows == 12 and first.counts.created == 12 and world.provider.writes == 12

    world.sync(iid)  # nothing changed: nothing read, nothing written
    assert world.reads.rows == 0 and world.reads.whole == 0 and world.provider.writes == 12
    assert world.reads.mappings == 0

    for n in (2, 5, 7):
        c.clients.update(ids[n], name=f"Client {n:03d} Ltd")
    again = world.sync(iid)
    assert world.reads.rows == 3 and again.counts.updated == 3 and world.provider.writes == 15
    assert world.reads.mappings == 3  # the contacts of those three clients, looked up by id
    assert {"Client 002 Ltd", "Client 005 Ltd", "Client 007 Ltd"} <= world.provider.names()
    assert len(world.provider.contacts) == 12  # updated in place (ContactID sent), not duplicated


def test_xero_change_during_a_sync_and_a_refused_contact_are_read_again(world: World) -> None:
    c = world.client
    iid = _integration(c, "xero", {"accessToken": "at", "tenantId": "tenant-1"})
    ids = _clients(c, 3)
    world.reads.after_read.append(lambda: c.clients.update(ids[0], name="Renamed mid-sync"))
    world.sync(iid)
    assert "Renamed mid-sync" not in world.provider.names()  # this sync pushed the version it read
    world.sync(iid)
    assert world.reads.rows == 1 and "Renamed mid-sync" in world.provider.names()

    world.provider.refuse.add("Refused")
    c.clients.update(ids[1], name="Refused")
    failed = world.sync(iid, ok=False)  # the failure keeps the cursor: the client is read again next time
    assert failed.counts.failed == 1
    world.provider.refuse.clear()
    world.sync(iid)
    assert world.reads.rows == 1 and "Refused" in world.provider.names()
    writes = world.provider.writes
    world.sync(iid)
    assert world.reads.rows == 0 and world.provider.writes == writes


def test_xero_push_invoice_touches_only_its_clients_contact(world: World) -> None:
    c = world.client
    iid = _integration(c, "xero", {"accessToken": "at", "tenantId": "tenant-1"})
    (cid,) = _clients(c, 1)
    world.sync(iid)
    inv = c.invoices.create(client_id=cid, issue_date="2026-11-01", due_date="2026-12-01", items=ITEMS)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{HOST}/api.xro/2.0/Contacts").mock(side_effect=world.provider.xero_contacts)
        pushed = mock.post(f"{HOST}/api.xro/2.0/Invoices").respond(json={"Invoices": [{"InvoiceID": "xi-1"}]})
        result = c.integrations.xero(iid).push_invoice(inv.id)
    assert result.result == {"invoice_id": inv.id, "remote_id": "xi-1", "created": True}
    assert json.loads(pushed.calls.last.request.content)["Invoices"][0]["Contact"] == {"ContactID": "ct-1"}
    assert world.provider.writes == 1 and world.reads.whole == 0  # the unchanged contact was not sent again


def test_mailchimp_repeat_sync_reads_only_changed_clients(world: World) -> None:
    c = world.client
    iid = _mailchimp(c)
    ids = _clients(c, 10)
    first = world.sync(iid)
    assert world.reads.rows == 10 and first.counts.created == 10 and len(world.provider.members) == 10

    world.sync(iid)
    assert world.reads.rows == 0 and world.reads.whole == 0 and world.provider.writes == 10
    assert world.reads.mappings == 0

    c.clients.update(ids[4], name="Dana Reyes")
    c.clients.update(ids[6], name="Sam Okafor")
    again = world.sync(iid)
    assert world.reads.rows == 2 and again.counts.updated == 2 and world.provider.writes == 12
    assert world.provider.members[hashlib.md5(b"c4@example.com").hexdigest()]["merge_fields"] == {
        "FNAME": "Dana",
        "LNAME": "Reyes",
    }

    world.reads.after_read.append(lambda: c.clients.update(ids[0], name="Mid Sync"))
    world.sync(iid)  # read nothing changed; the rename commits after the read
    world.sync(iid)
    assert world.reads.rows == 1
    assert world.provider.members[hashlib.md5(b"c0@example.com").hexdigest()]["merge_fields"]["FNAME"] == "Mid"
    world.sync(iid)
    assert world.reads.rows == 0 and world.provider.writes == 13


def test_mailchimp_add_member_reads_one_client(world: World) -> None:
    c = world.client
    iid = _mailchimp(c)
    ids = _clients(c, 5)
    world.reads.rows = 0
    result = c.integrations.mailchimp(iid).add_member(client_id=ids[3])
    assert result.result is not None and result.result["email_address"] == "c3@example.com"
    assert world.reads.whole == 0


def test_stripe_repeat_sync_reads_no_local_row(world: World) -> None:
    """The first sync reads Stripe's PaymentIntents list whole; a repeat one only the payment_intent.succeeded
    events since its cursor. Locally only the payments' own mappings are looked up, and only a newly succeeded
    intent touches an invoice."""
    c, stripe = world.client, world.provider.stripe
    iid = _integration(c, "stripe", {"apiKey": "sk_test_1"})
    (cid,) = _clients(c, 1)
    invoices = [
        c.invoices.create(client_id=cid, issue_date="2026-11-01", due_date="2026-12-01", items=ITEMS).id
        for _ in range(5)
    ]
    for n, inv in enumerate(invoices[:3]):
        stripe.pay(f"pi_{n}", inv)
    stripe.add("pi_3", "processing", metadata={"cortexbuild_invoice_id": str(invoices[3])})
    first = world.sync(iid)
    assert first.counts.updated == 3 and world.reads.loaded == 3  # each paid invoice read once
    assert len(stripe.lists("/v1/payment_intents")) == 2  # the whole list, two pages

    second = world.sync(iid)  # the three events are within the cursor's overlap: read and skipped
    assert world.reads.loaded == world.reads.rows == world.reads.whole == 0 and second.counts.skipped == 3
    assert world.reads.mappings == 3  # each event's intent's own mapping (a probe), not every payment

    stripe.update("pi_3", status="succeeded", amount_received=10_000, currency="usd")
    third = world.sync(iid)  # the intent that succeeded since is recorded; the others are not touched
    assert world.reads.loaded == 1 and third.counts.updated == 1 and third.counts.skipped == 3
    assert [c.invoices.retrieve(i).status for i in invoices] == ["paid", "paid", "paid", "paid", "draft"]
    assert len(stripe.lists("/v1/payment_intents")) == 2  # not listed again

"""A repeat QuickBooks sync reads only the local clients and invoices changed since the last clean sync, and
never misses a change that commits while a sync runs - also one stamped in the same millisecond as the
sync's cursor. The real construction domain over real sockets to the QuickBooks emulator; the connector's
reads of local data are counted by a thin wrapper around the default ``DomainData``."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.connectors.domain_data import CHANGED_CLIENTS_SQL, CHANGED_INVOICES_SQL, DomainData
from cortexbuild_sdk.local.services.connections import MAPPING_LOOKUP_SQL
from cortexbuild_sdk.local.services.context import Ctx
from cortexbuild_sdk.types import SyncRun
from emulators import quickbooks as qb
from emulators.server import serve

ITEMS = [{"description": "Labour", "quantity": "1", "unit_price": "100.00"}]


@dataclass
class Reads:
    """Rows the connector read from the domain, and hooks run right after a sync read its changed rows."""

    rows: int = 0
    before_clients: list[Callable[[], None]] = field(default_factory=list)
    after_clients: list[Callable[[], None]] = field(default_factory=list)


class CountingData(DomainData):
    def __init__(self, ctx: Ctx, reads: Reads) -> None:
        super().__init__(ctx)
        self.reads = reads

    def clients_changed(self, since: int | None) -> Any:
        while self.reads.before_clients:
            self.reads.before_clients.pop(0)()
        changed = super().clients_changed(since)
        self.reads.rows += len(changed.rows)
        while self.reads.after_clients:  # "commits during the sync": after its read, before its cursor is saved
            self.reads.after_clients.pop(0)()
        return changed

    def invoices_changed(self, since: int | None) -> Any:
        changed = super().invoices_changed(since)
        self.reads.rows += len(changed.rows)
        return changed


@dataclass
class World:
    client: CortexBuild
    backend: Backend
    books: qb.QBState
    reads: Reads
    iid: int = 0

    def sync(self) -> SyncRun:
        self.reads.rows = 0
        run = self.client.integrations.sync(self.iid)
        assert run is not None
        self.backend.wait_for_syncs()
        done = self.client.integrations.sync_run(self.iid, run.id)
        assert done.status == "success", done.error
        return done

    def remote_names(self) -> set[str]:
        return {str(c["DisplayName"]) for c in self.books.entities["Customer"].values()}


def _world(clock: ManualClock | None, path: Path | None = None) -> Iterator[World]:
    books, reads = qb.QBState(), Reads()
    with (
        serve(qb.app(books)) as url,
        Backend(
            path,
            clock=clock,
            oauth={"quickbooks": {"client_id": qb.CLIENT_ID, "client_secret": qb.CLIENT_SECRET}},
            provider_urls={"quickbooks": url},
            local_data=lambda ctx: CountingData(ctx, reads),
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        backend.connectors.sleep = lambda s: None
        world = World(client, backend, books, reads)
        auth = client.integrations.oauth.authorize("quickbooks", redirect_uri="http://127.0.0.1/cb", name="Books")
        world.iid = client.integrations.oauth.callback(
            "quickbooks", code="good-code", state=auth.state, realm_id=qb.REALM
        ).id
        yield world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from _world(None, tmp_path / "store.db")


@pytest.fixture
def frozen() -> Iterator[World]:
    yield from _world(ManualClock(1_800_000_000.0))


def _seed(c: CortexBuild, clients: int, invoices: int) -> list[int]:
    ids = [c.clients.create(name=f"Client {n:03d}").id for n in range(clients)]
    for n in range(invoices):
        c.invoices.create(client_id=ids[n % clients], issue_date="2026-11-01", due_date="2026-12-01", items=ITEMS)
    return ids


def test_the_changed_rows_query_is_an_index_range(world: World) -> None:
    _seed(world.client, 5, 20)
    with world.backend.db.read() as conn:
        conn.execute("ANALYZE")  # with statistics too, the planner keeps to the range
        for sql, index in ((CHANGED_CLIENTS_SQL, "clients_updated"), (CHANGED_INVOICES_SQL, "invoices_updated")):
            plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", (1, 0)))
            assert f"USING INDEX {index} (account_id=? AND updated_at>?)" in plan, plan
            assert "SCAN" not in plan, plan
        for column in ("local_id", "remote_id"):  # the mappings of just those rows: index probes
            sql = MAPPING_LOOKUP_SQL.format(column=column, marks="?, ?, ?")
            plan = " | ".join(
                row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", (1, "invoice", "1", "2", "3"))
            )
            assert "USING INDEX sqlite_autoindex_connector_mappings" in plan and f"{column}=?" in plan, plan
            assert "SCAN" not in plan, plan


def test_a_repeat_sync_reads_only_what_changed(world: World) -> None:
    c = world.client
    ids = _seed(c, 12, 40)
    first = world.sync()
    assert world.reads.rows == 12 + 40 and first.counts.created == 52
    writes = world.books.writes

    world.sync()  # nothing changed: nothing read, nothing written
    assert world.reads.rows == 0 and world.books.writes == writes

    c.clients.update(ids[3], name="Client 003 Ltd")
    (invoice,) = c.invoices.list(limit=1).data
    c.invoices.update(invoice.id, notes="site B")
    again = world.sync()
    assert world.reads.rows == 2 and again.counts.updated == 2
    assert world.books.writes == writes + 2 and "Client 003 Ltd" in world.remote_names()


def test_a_change_committed_during_a_sync_is_pushed_by_the_next(world: World) -> None:
    c = world.client
    ids = _seed(c, 3, 0)
    # Right after the sync read the clients (and before it saves its cursor): rename one it has just read.
    world.reads.after_clients.append(lambda: c.clients.update(ids[0], name="Renamed mid-sync"))
    world.sync()
    assert "Renamed mid-sync" not in world.remote_names()  # this sync pushed the version it read
    world.sync()
    assert "Renamed mid-sync" in world.remote_names() and "Client 000" not in world.remote_names()
    writes = world.books.writes
    world.sync()
    assert world.books.writes == writes and world.reads.rows == 0


def test_a_write_stamped_before_the_sync_but_committed_during_its_read_is_not_missed(world: World) -> None:
    """A domain write stamps ``updated_at`` when its transaction starts and may commit later. Here one is open
    (stamped, uncommitted) when the sync reads the changed clients: the read waits for it and sees it, so
    the stamp, earlier than the sync's cursor, is not lost behind it."""
    c = world.client
    ids = _seed(c, 2, 0)
    world.sync()
    started = threading.Event()

    def slow_writer() -> None:
        conn = sqlite3.connect(world.backend.db.path, timeout=10, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            stamp = int(world.backend.clock.now() * 1000)
            conn.execute("UPDATE clients SET name = 'Slow writer', updated_at = ? WHERE id = ?", (stamp, ids[1]))
            started.set()
            time.sleep(0.2)  # the sync reaches its read meanwhile
            conn.execute("COMMIT")
        finally:
            conn.close()

    writer = threading.Thread(target=slow_writer)

    def start_writer() -> None:
        writer.start()
        assert started.wait(5)

    world.reads.before_clients.append(start_writer)
    world.sync()
    writer.join()
    assert "Slow writer" in world.remote_names()  # read by this very sync
    world.sync()
    assert "Slow writer" in world.remote_names() and world.reads.rows == 0


def test_equal_timestamps_with_a_stopped_clock(frozen: World) -> None:
    """A ManualClock never passes the cursor's millisecond: every row shares it, and the next sync starts at
    that millisecond itself (inclusive): a mid-sync change stamped exactly at the cursor is still pushed, and
    the re-read unchanged rows write nothing."""
    c, clock = frozen.client, frozen.backend.clock
    assert isinstance(clock, ManualClock)
    ids = _seed(c, 3, 2)
    clock.advance(1)  # the sync and the edit below share this millisecond
    frozen.reads.after_clients.append(lambda: c.clients.update(ids[1], name="Same millisecond"))
    frozen.sync()
    frozen.sync()
    assert "Same millisecond" in frozen.remote_names()
    writes = frozen.books.writes
    frozen.sync()  # the rows stamped at the cursor are read again, recognised as synced: no write
    assert frozen.books.writes == writes


def test_renames_racing_syncs_all_arrive(world: World) -> None:
    """A smoke test of the whole: a writer renames clients as fast as it can while syncs run back to back;
    one sync after the writer stops leaves QuickBooks with every client's last name."""
    c = world.client
    ids = _seed(c, 6, 0)
    stop = threading.Event()
    last: dict[int, str] = {}

    def rename() -> None:
        n = 0
        with CortexBuild.local(backend=world.backend) as writer:
            while not stop.is_set():
                client_id = ids[n % len(ids)]
                last[client_id] = f"Client {client_id} v{n}"
                writer.clients.update(client_id, name=last[client_id])
                n += 1

    thread = threading.Thread(target=rename)
    thread.start()
    try:
        for _ in range(4):
            world.sync()
    finally:
        stop.set()
        thread.join()
    world.sync()
    assert world.remote_names() == set(last.values()) | {f"Client {n:03d}" for n in range(6) if ids[n] not in last}

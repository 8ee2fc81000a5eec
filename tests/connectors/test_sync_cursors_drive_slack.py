"""Google Drive backups and Slack reminders on the real construction domain read only what changed locally:
the documents changed since the last clean sync, and the open tasks changed since it or whose due date came
into the window. Drive over real sockets to its loopback emulator; Slack answered by respx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import respx

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.connectors.domain_data import CHANGED_DOCUMENTS_SQL, CHANGED_DUE_TASKS_SQL
from cortexbuild_sdk.types import SyncRun
from emulators import google_drive as gd
from emulators.server import serve

from .conftest import HOST
from .counting import CountingData, Reads


@dataclass
class World:
    client: CortexBuild
    backend: Backend
    drive: gd.DriveState
    reads: Reads

    def sync(self, iid: int) -> SyncRun:
        self.reads.rows = self.reads.whole = self.reads.loaded = 0
        run = self.client.integrations.sync(iid)
        assert run is not None
        self.backend.wait_for_syncs()
        done = self.client.integrations.sync_run(iid, run.id)
        assert done.status == "success", done.error
        return done

    def latest(self, name: str) -> bytes:
        (fid,) = [fid for fid, f in self.drive.files.items() if f["name"] == name]
        return self.drive.content[fid][-1]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    drive, reads = gd.DriveState(), Reads()
    with (
        serve(gd.app(drive)) as url,
        Backend(
            tmp_path / "store.db",
            oauth={"google_drive": {"client_id": gd.CLIENT_ID, "client_secret": gd.CLIENT_SECRET}},
            provider_urls={"google_drive": url, "slack": HOST},
            local_data=lambda ctx: CountingData(ctx, reads),
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        backend.connectors.sleep = lambda s: None
        yield World(client, backend, drive, reads)


def test_the_changed_documents_and_due_tasks_queries_are_index_ranges(world: World) -> None:
    project = world.client.projects.create(name="Tower A").id
    for n in range(5):
        world.client.tasks.create(project_id=project, title=f"T{n}", due_date=f"2026-11-0{n + 1}")
        world.client.documents.create(project_id=project, name=f"d{n}.pdf", file=b"%PDF")
    with world.backend.db.read() as conn:
        conn.execute("ANALYZE")
        plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {CHANGED_DOCUMENTS_SQL}", (1, 0)))
        assert "USING INDEX documents_updated (account_id=? AND updated_at>?)" in plan and "SCAN" not in plan, plan
        args = (1, 0, "2026-11-02", "2026-11-30")
        plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {CHANGED_DUE_TASKS_SQL}", args))
        assert "USING INDEX tasks_updated (account_id=? AND updated_at>?)" in plan, plan
        assert "USING INDEX tasks_due_date (account_id=? AND due_date>? AND due_date<?)" in plan, plan
        assert "SCAN tasks" not in plan, plan


def test_drive_repeat_sync_reads_only_changed_documents(world: World) -> None:
    c = world.client
    auth = c.integrations.oauth.authorize("google_drive", redirect_uri="http://127.0.0.1/cb", name="Drive")
    iid = c.integrations.oauth.callback("google_drive", code="good-code", state=auth.state).id
    project = c.projects.create(name="Tower A").id
    docs = [c.documents.create(project_id=project, name=f"plan-{n}.pdf", file=b"%PDF v1").id for n in range(8)]
    first = world.sync(iid)
    assert first.counts.created == 8 and world.reads.rows == 8 and world.reads.loaded == 8
    uploads = len(world.drive.uploads)

    world.sync(iid)  # nothing changed: no document read, nothing uploaded
    assert world.reads.rows == world.reads.loaded == world.reads.whole == 0
    assert len(world.drive.uploads) == uploads

    c.documents.create_version(docs[2], file=b"%PDF v2")
    c.documents.create_version(docs[5], file=b"%PDF v2")
    again = world.sync(iid)
    assert world.reads.rows == 2 and world.reads.loaded == 2 and again.counts.updated == 2
    assert len(world.drive.uploads) == uploads + 2 and world.latest("plan-2.pdf") == b"%PDF v2"

    # A new version committed during a sync (after its read): pushed by the next sync, then nothing moves.
    world.reads.after_read.append(lambda: c.documents.create_version(docs[0], file=b"%PDF mid-sync"))
    world.sync(iid)
    world.sync(iid)
    assert world.reads.rows == 1 and world.latest("plan-0.pdf") == b"%PDF mid-sync"
    uploads = len(world.drive.uploads)
    world.sync(iid)
    assert world.reads.rows == 0 and len(world.drive.uploads) == uploads


def _today() -> date:
    return datetime.now(timezone.utc).date()


def test_slack_repeat_sync_reads_only_tasks_that_may_need_a_reminder(world: World) -> None:
    c = world.client
    iid = c.integrations.create(
        provider="slack", name="Site", credentials={"accessToken": "xoxb-1", "defaultChannel": "#site"}
    ).id
    project = c.projects.create(name="Tower A").id
    overdue = (_today() - timedelta(days=3)).isoformat()
    later = (_today() + timedelta(days=20)).isoformat()
    tasks = [c.tasks.create(project_id=project, title=f"Task {n}", due_date=overdue).id for n in range(6)]
    c.tasks.create(project_id=project, title="Later", due_date=later)
    with respx.mock as mock:
        mock.post(f"{HOST}/api/auth.test").respond(json={"ok": True, "team": "Acme"})
        post = mock.post(f"{HOST}/api/chat.postMessage").respond(json={"ok": True, "channel": "C1", "ts": "5.5"})
        assert world.sync(iid).counts.created == 6 and world.reads.rows == 6

        world.sync(iid)  # the six overdue tasks were reminded: none of them is read again
        assert world.reads.rows == 0 and post.call_count == 6

        c.tasks.update(tasks[1], due_date=_today().isoformat())  # a new due date: a new reminder
        c.tasks.update(tasks[2], title="Task 2 (renamed)")  # same due date: read, already reminded
        run = world.sync(iid)
        assert world.reads.rows == 2 and run.counts.created == 1 and run.counts.skipped == 1

        world.reads.after_read.append(lambda: c.tasks.create(project_id=project, title="Mid-sync", due_date=overdue))
        world.sync(iid)
        assert world.sync(iid).counts.created == 1 and world.reads.rows == 1

        c.integrations.update(iid, config={"reminderDays": 30})  # the window grows: "Later" comes into it
        run = world.sync(iid)
        assert world.reads.rows == 1 and run.counts.created == 1
        world.sync(iid)
        assert world.reads.rows == 0
    texts = [json.loads(call.request.content)["text"] for call in post.calls]
    assert len(texts) == 9 and texts[-1] == f"Reminder: task *Later* is due {later}"
    assert "Reminder: task *Mid-sync* is overdue" in texts

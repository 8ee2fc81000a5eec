"""Google Drive backups and Slack reminders on the real construction domain read only what changed locally:
the documents changed since the last clean sync, and the open tasks changed since it or whose due date came
into the window; Drive's pull side reads only what changed in Drive (its changes feed since the last clean
sync). Drive over real sockets to its loopback emulator (its requests counted); Slack answered by respx."""

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
from cortexbuild_sdk.local.connectors import google_drive_pull
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

    def run(self, iid: int) -> SyncRun:
        self.reads.rows = self.reads.whole = self.reads.loaded = 0
        run = self.client.integrations.sync(iid)
        assert run is not None
        self.backend.wait_for_syncs()
        return self.client.integrations.sync_run(iid, run.id)

    def sync(self, iid: int) -> SyncRun:
        done = self.run(iid)
        assert done.status == "success", done.error
        return done

    def sync_calls(self, iid: int) -> tuple[SyncRun, list[str]]:
        """A clean sync and the requests Drive received during it."""
        mark = len(self.drive.requests)
        done = self.sync(iid)
        return done, self.drive.requests[mark:]

    def file_id(self, name: str) -> str:
        (fid,) = [fid for fid, f in self.drive.files.items() if f["name"] == name]
        return fid

    def latest(self, name: str) -> bytes:
        return self.drive.content[self.file_id(name)][-1]

    def names(self, project: int) -> set[str]:
        return {d.name or "" for d in self.client.documents.list(project_id=project)}

    def drive_token(self, iid: int) -> str | None:
        with self.backend.db.read() as conn:
            row = conn.execute(
                "SELECT sync_token FROM connector_mappings WHERE integration_id = ? AND kind = 'cursor'"
                " AND local_id = ?",
                (iid, google_drive_pull.CURSOR_KEY),
            ).fetchone()
        return None if row is None else str(row[0])


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


def _connect_drive(c: CortexBuild) -> int:
    auth = c.integrations.oauth.authorize("google_drive", redirect_uri="http://127.0.0.1/cb", name="Drive")
    return c.integrations.oauth.callback("google_drive", code="good-code", state=auth.state).id


LISTING, CHANGES, START = "GET /drive/v3/files", "GET /drive/v3/changes", "GET /drive/v3/changes/startPageToken"


def _downloads(calls: list[str]) -> list[str]:
    return sorted(c.rsplit("/", 1)[1] for c in calls if c.startswith("GET /drive/v3/files/"))


def test_drive_repeat_sync_reads_only_drive_changes(world: World) -> None:
    c, drive = world.client, world.drive
    iid = _connect_drive(c)
    project = c.projects.create(name="Tower A").id
    docs = [c.documents.create(project_id=project, name=f"plan-{n}.pdf", file=b"%PDF v1").id for n in range(3)]
    first, calls = world.sync_calls(iid)
    assert first.counts.created == 3
    last_listing = len(calls) - 1 - calls[::-1].index(LISTING)
    assert calls.index(START) < last_listing  # the start token is read before the folder is listed
    assert world.drive_token(iid) is not None

    again, calls = world.sync_calls(iid)  # nothing changed on either side: one changes page, no listing
    assert calls == [CHANGES] and (again.counts.created, again.counts.updated, again.counts.skipped) == (0, 0, 0)

    folder, root = world.file_id("Tower A"), world.file_id("CortexBuild")
    photo = gd.user_upload(drive, folder, "photo.jpg", b"JPEG", "image/jpeg")
    gd.user_edit(drive, world.file_id("plan-0.pdf"), b"%PDF edited in Drive")
    gd.user_upload(drive, root, "loose.pdf", b"outside the project folders")
    gd.user_upload(drive, "someone-elses-folder", "other.pdf", b"not ours")
    gd.user_trash(drive, gd.user_upload(drive, folder, "draft.pdf", b"trashed before the sync"))
    gd.user_trash(drive, world.file_id("plan-1.pdf"))  # trashed in Drive: not downloaded, the document stays
    c.documents.create_version(docs[2], file=b"%PDF v2")  # pushed: its change comes back in the feed
    run, calls = world.sync_calls(iid)
    assert LISTING not in calls and calls.count(CHANGES) == 1
    assert _downloads(calls) == sorted([photo, world.file_id("plan-0.pdf")])
    assert (run.counts.created, run.counts.updated, run.counts.skipped) == (1, 2, 0)
    assert {"photo.jpg", "plan-1.pdf"} <= world.names(project)
    assert not {"loose.pdf", "other.pdf", "draft.pdf"} & world.names(project)
    (edited,) = [d for d in c.documents.list(project_id=project) if d.name == "plan-0.pdf" and d.version == 2]
    assert c.documents.download(edited.id).content == b"%PDF edited in Drive"

    # Uploaded by our own action between syncs: recognised by its version, not downloaded.
    memo = c.documents.create(project_id=project, name="memo.pdf", file=b"memo").id
    c.integrations.google_drive(iid).upload_document(memo)
    run, calls = world.sync_calls(iid)
    assert _downloads(calls) == [] and LISTING not in calls
    assert (run.counts.created, run.counts.updated, run.counts.skipped) == (0, 0, 1)
    assert world.sync_calls(iid)[1] == [CHANGES]


def _synced_then_photo_added(world: World) -> tuple[int, int, str]:
    """A Drive integration synced once (one project, one document), then a photo added to its folder in Drive."""
    iid = _connect_drive(world.client)
    project = world.client.projects.create(name="Tower A").id
    world.client.documents.create(project_id=project, name="plan.pdf", file=b"%PDF")
    world.sync(iid)
    token = world.drive_token(iid)
    photo = gd.user_upload(world.drive, world.file_id("Tower A"), "photo.jpg", b"JPEG", "image/jpeg")
    assert token is not None and world.drive_token(iid) == token
    return iid, project, photo


def test_a_failed_drive_sync_leaves_the_changes_token(world: World) -> None:
    drive = world.drive
    iid, project, photo = _synced_then_photo_added(world)
    token = world.drive_token(iid)
    drive.broken.add(photo)  # its download is refused: the sync fails
    assert world.run(iid).status == "error"
    assert world.drive_token(iid) == token and "photo.jpg" not in world.names(project)
    drive.broken.clear()
    run, calls = world.sync_calls(iid)  # read again from the same token
    assert run.counts.created == 1 and _downloads(calls) == [photo] and world.drive_token(iid) != token
    assert world.sync_calls(iid)[1] == [CHANGES]


def test_a_drive_token_drive_refuses_falls_back_to_a_full_listing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    drive = world.drive
    iid, project, photo = _synced_then_photo_added(world)
    gd.forget_changes(drive)  # the saved token is no longer known: changes.list answers 404
    run, calls = world.sync_calls(iid)
    assert calls[:3] == [CHANGES, START, LISTING] and _downloads(calls) == [photo]
    assert run.counts.created == 1 and "photo.jpg" in world.names(project)
    assert "Drive refused its changes token (404" in caplog.text  # said, not silent
    assert world.sync_calls(iid)[1] == [CHANGES]  # from the fresh start token
    with world.backend.db.write() as conn:  # a token Drive answers 400 for
        conn.execute(
            "UPDATE connector_mappings SET sync_token = 'not-a-token' WHERE integration_id = ? AND local_id = ?",
            (iid, google_drive_pull.CURSOR_KEY),
        )
    run, calls = world.sync_calls(iid)
    assert calls == [CHANGES, START, LISTING] and run.counts.skipped == 2  # listed whole, nothing downloaded
    assert world.sync_calls(iid)[1] == [CHANGES]


def test_drive_changes_pages_and_folders_found_in_drive(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google_drive_pull, "PAGE_SIZE", "2")
    c, drive = world.client, world.drive
    iid = _connect_drive(c)
    tower_a = c.projects.create(name="Tower A").id
    c.documents.create(project_id=tower_a, name="plan.pdf", file=b"%PDF")
    world.sync(iid)
    # A folder made by hand in Drive for a project with no documents yet, a file in it: no project folder yet.
    by_hand = gd.user_upload(drive, world.file_id("CortexBuild"), "Tower B", b"", google_drive_pull.FOLDER)
    spec = gd.user_upload(drive, by_hand, "spec.pdf", b"SPEC")
    photos = [gd.user_upload(drive, world.file_id("Tower A"), f"photo-{n}.jpg", b"JPEG") for n in range(5)]
    run, calls = world.sync_calls(iid)
    assert calls.count(CHANGES) == 4 and _downloads(calls) == sorted(photos)  # 7 changes, 2 a page
    assert run.counts.created == 5
    # Its first document adopts the folder (found by name): the next sync lists it whole, once.
    tower_b = c.projects.create(name="Tower B").id
    c.documents.create(project_id=tower_b, name="b.pdf", file=b"B")
    run, calls = world.sync_calls(iid)
    assert _downloads(calls) == [spec] and world.names(tower_b) == {"b.pdf", "spec.pdf"}
    assert world.sync_calls(iid)[1] == [CHANGES]


def test_drive_repeat_sync_reads_only_changed_documents(world: World) -> None:
    c = world.client
    iid = _connect_drive(c)
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

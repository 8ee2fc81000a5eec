"""Slack and Google Drive over real sockets against their loopback emulators: OAuth connect, sync, actions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cortexbuild_sdk import APIStatusError, CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.connectors.local_data import LocalDocument
from emulators import google_drive as gd
from emulators import slack
from emulators.server import serve

from .books import MemoryData

OAUTH = {
    "slack": {"client_id": slack.CLIENT_ID, "client_secret": slack.CLIENT_SECRET},
    "google_drive": {"client_id": gd.CLIENT_ID, "client_secret": gd.CLIENT_SECRET},
}


@pytest.fixture
def world() -> Iterator[tuple[CortexBuild, slack.SlackState, gd.DriveState, MemoryData, Backend]]:
    s_state, d_state, data = slack.SlackState(), gd.DriveState(), MemoryData()
    with (
        serve(slack.app(s_state)) as s_url,
        serve(gd.app(d_state)) as d_url,
        Backend(
            oauth=OAUTH, provider_urls={"slack": s_url, "google_drive": d_url}, local_data=lambda ctx: data
        ) as backend,
        CortexBuild.local(backend=backend) as client,
    ):
        yield client, s_state, d_state, data, backend


def _connect(client: CortexBuild, provider: str) -> int:
    auth = client.integrations.oauth.authorize(provider, redirect_uri="http://127.0.0.1/cb", name=provider)
    return client.integrations.oauth.callback(provider, code="good-code", state=auth.state).id


def test_slack_connect_sync_and_send(
    world: tuple[CortexBuild, slack.SlackState, gd.DriveState, MemoryData, Backend],
) -> None:
    client, s_state, _, _, backend = world
    iid = _connect(client, "slack")
    run = client.integrations.sync(iid)
    assert run is not None
    backend.wait_for_syncs()
    assert client.integrations.sync_run(iid, run.id).status == "success"  # auth.test answered ok
    sent = client.integrations.slack(iid).send_message(channel="#general", text="Concrete pour moved to 7am")
    assert sent.result is not None and sent.result["channel"] == "C0GENERAL"
    note = client.integrations.slack(iid).notify_event(
        event="rfi.created", data={"rfi": {"rfi_number": "RFI-12", "subject": "Beam depth"}}, channel="#rfis"
    )
    assert note.sent
    assert [m["text"] for m in s_state.messages] == ["Concrete pour moved to 7am", "New RFI *RFI-12*: Beam depth"]
    with pytest.raises(APIStatusError) as caught:
        client.integrations.slack(iid).send_message(channel="#nowhere", text="x")
    assert caught.value.code == "slack_error" and "channel_not_found" in str(caught.value)
    log = list(client.integrations.requests(iid))
    assert [r.url.rsplit("/", 1)[-1] for r in log] == ["chat.postMessage"] * 3 + ["auth.test"]
    assert all("xox" not in (r.request_body or "") for r in log)  # tokens never reach the log


def test_drive_upload_versions_share(
    world: tuple[CortexBuild, slack.SlackState, gd.DriveState, MemoryData, Backend],
) -> None:
    client, _, d_state, data, _ = world
    iid = _connect(client, "google_drive")
    small = LocalDocument(1, "plan.pdf", "application/pdf", b"%PDF-1.7 plan", 10, project_id=4, project_name="Tower A")
    big = LocalDocument(2, "survey.bin", "application/octet-stream", bytes(range(256)) * 24_000, 11, 4, "Tower A")
    data.documents_ = {1: small, 2: big}  # 6,144,000 bytes: above the 5 MB multipart limit
    drive = client.integrations.google_drive(iid)
    first = drive.upload_document(1)
    assert first.result is not None and first.result["created"] is True and first.result["version"] == "1"
    second = drive.upload_document(2)
    assert second.result is not None and second.result["created"] is True
    assert d_state.uploads == ["multipart", "resumable"]
    assert d_state.content[second.result["file_id"]] == [big.content]
    folders = {f["name"]: f for f in d_state.files.values() if f["mimeType"] == "application/vnd.google-apps.folder"}
    assert set(folders) == {"CortexBuild", "Tower A"}
    assert folders["Tower A"]["parents"] == [folders["CortexBuild"]["id"]]
    assert d_state.files[first.result["file_id"]]["parents"] == [folders["Tower A"]["id"]]

    data.documents_[1] = LocalDocument(1, "plan.pdf", "application/pdf", b"%PDF-1.7 plan rev B", 20, 4, "Tower A")
    again = drive.upload_document(1)
    assert again.result is not None and again.result["created"] is False and again.result["version"] == "2"
    versions = drive.document_versions(1)
    assert versions.result is not None and [r["size"] for r in versions.result["revisions"]] == ["13", "19"]
    shared = drive.share_document(1, email="architect@studio.example", role="commenter")
    assert shared.result is not None and shared.result["role"] == "commenter"
    assert d_state.permissions[first.result["file_id"]][0]["emailAddress"] == "architect@studio.example"
    assert len([f for f in d_state.files.values() if f["name"] == "Tower A"]) == 1  # the folder was reused


def test_drive_sync_backs_up_new_and_changed_documents(
    world: tuple[CortexBuild, slack.SlackState, gd.DriveState, MemoryData, Backend],
) -> None:
    client, _, d_state, data, backend = world
    iid = _connect(client, "google_drive")
    data.documents_ = {
        101: LocalDocument(101, "a.pdf", "application/pdf", b"A", 10, 4, "Tower A"),
        102: LocalDocument(102, "b.pdf", "application/pdf", b"B", 10, 5, "Tower B"),
    }

    def sync() -> tuple[str, int, int, int]:
        run = client.integrations.sync(iid)
        assert run is not None
        backend.wait_for_syncs()
        done = client.integrations.sync_run(iid, run.id)
        return done.status, done.counts.created, done.counts.updated, done.counts.skipped

    assert sync() == ("success", 2, 0, 0)
    # Skipped counts the Drive files read and found unchanged: a repeat sync reads only Drive's changes since
    # the last one (none), not the folders' listings.
    assert sync() == ("success", 0, 0, 0)
    data.documents_[102] = LocalDocument(102, "b.pdf", "application/pdf", b"B2", data.tick(), 5, "Tower B")
    assert sync() == ("success", 0, 1, 0)  # b's new revision comes back in the feed: recognised as pushed
    file_b = next(f for f in d_state.files.values() if f["name"] == "b.pdf")
    assert d_state.content[file_b["id"]] == [b"B", b"B2"]  # the old version is kept
    # The other way: a file added in Drive and a file edited in Drive.
    tower_a = next(f["id"] for f in d_state.files.values() if f["name"] == "Tower A")
    gd.user_upload(d_state, tower_a, "photo.jpg", b"JPEG", "image/jpeg")
    file_a = next(f["id"] for f in d_state.files.values() if f["name"] == "a.pdf")
    gd.user_edit(d_state, file_a, b"A-edited-in-drive")
    assert sync() == ("success", 1, 1, 0)
    photo = next(d for d in data.documents() if d.name == "photo.jpg")
    assert (photo.content, photo.mime_type, photo.project_id) == (b"JPEG", "image/jpeg", 4)
    assert data.documents_[101].content == b"A-edited-in-drive" and data.versions[101] == [b"A-edited-in-drive"]
    assert sync() == ("success", 0, 0, 0)  # and then nothing moves

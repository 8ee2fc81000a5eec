"""The ``_v_delivery`` migration: a store from before it keeps its data and never reuses an id after it."""

from __future__ import annotations

from pathlib import Path

from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.store import Database


def test_upgrade_keeps_data_parks_disabled_backlog_and_never_reuses_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    ours = [getattr(m, "__name__", "") for m in MIGRATIONS].index("_v_delivery")
    old = Database(path, migrations=MIGRATIONS[:ours])  # a store from before this migration
    with old.write() as conn:
        for wid, active in ((3, 1), (7, 0)):
            conn.execute(
                "INSERT INTO webhooks (id, account_id, user_id, company_id, name, url, events, secret, is_active,"
                " created_at, updated_at) VALUES (?, 1, 'u', 'c', 'n', 'http://127.0.0.1:9/', '[\"task.created\"]',"
                " 's', ?, 0, 0)",
                (wid, active),
            )
        conn.execute("INSERT INTO webhook_events VALUES ('evt_1', 1, 'task.created', '{}', 0)")
        for wid in (3, 7):
            conn.execute(
                "INSERT INTO webhook_deliveries (id, event_id, webhook_id, next_attempt_at, created_at, updated_at)"
                " VALUES (?, 'evt_1', ?, 0, 0, 0)",
                (f"msg_{wid}", wid),
            )
            conn.execute(
                "INSERT INTO webhook_logs (webhook_id, event_type, payload, delivered_at) VALUES (?, 'x', '{}', 0)",
                (wid,),
            )
        conn.execute("DELETE FROM webhooks WHERE id = 7")  # its logs and deliveries cascade
    old.close()

    db = Database(path, migrations=MIGRATIONS)
    with db.write() as conn:
        assert [tuple(r) for r in conn.execute("SELECT id, parked FROM webhook_deliveries")] == [("msg_3", 0)]
        assert [tuple(r) for r in conn.execute("SELECT webhook_id FROM webhook_logs")] == [(3,)]
        subs = [tuple(r) for r in conn.execute("SELECT account_id, event, webhook_id FROM webhook_subscriptions")]
        assert subs == [(1, "task.created", 3)]
        conn.execute("DELETE FROM webhooks WHERE id = 3")
        cur = conn.execute(
            "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at,"
            " updated_at) VALUES (1, 'u', 'c', 'n', 'http://127.0.0.1:9/', '[]', 's', 0, 0)"
        )
        assert cur.lastrowid == 4  # never 3 again (nor anything at or below the highest id seen)
        conn.execute("UPDATE webhooks SET is_active = 0 WHERE id = 4")
    db.close()


def test_lean_rebuild_keeps_every_delivery_and_a_delete_still_cancels_them_all(tmp_path: Path) -> None:
    """``_v_delivery_lean`` drops the foreign-key cascade from ``webhooks``: the trigger that replaces it
    deletes every delivery of a deleted webhook, in each state, and nothing of another webhook."""
    path = tmp_path / "old.db"
    ours = [getattr(m, "__name__", "") for m in MIGRATIONS].index("_v_delivery_lean")
    old = Database(path, migrations=MIGRATIONS[:ours])
    states = (("pending", 0), ("pending", 1), ("succeeded", 0), ("failed", 0))
    with old.write() as conn:
        for wid in (3, 7):
            conn.execute(
                "INSERT INTO webhooks (id, account_id, user_id, company_id, name, url, events, secret,"
                " created_at, updated_at) VALUES (?, 1, 'u', 'c', 'n', 'http://127.0.0.1:9/', '[]', 's', 0, 0)",
                (wid,),
            )
        conn.execute("INSERT INTO webhook_events VALUES ('evt_1', 1, 'task.created', '{}', 0)")
        for wid in (3, 7):
            for n, (status, parked) in enumerate(states):
                conn.execute(
                    "INSERT INTO webhook_deliveries (id, event_id, webhook_id, status, parked, next_attempt_at,"
                    " created_at, updated_at) VALUES (?, 'evt_1', ?, ?, ?, 0, 0, 0)",
                    (f"msg_{wid}_{n}", wid, status, parked),
                )
        before = [tuple(r) for r in conn.execute("SELECT * FROM webhook_deliveries ORDER BY id")]
    old.close()

    db = Database(path, migrations=MIGRATIONS)
    with db.write() as conn:
        assert [tuple(r) for r in conn.execute("SELECT * FROM webhook_deliveries ORDER BY id")] == before
        conn.execute("DELETE FROM webhooks WHERE id = 7")
        left = [tuple(r) for r in conn.execute("SELECT webhook_id, status, parked FROM webhook_deliveries")]
    assert sorted(left) == sorted((3, status, parked) for status, parked in states)
    db.close()

"""Migration ``_v_hardening``: usage counters kept by triggers, and the keyring state every process checks.

``plan.retrieve`` and the tier-limit checks read ``usage_counters`` (O(1)) instead of counting the account's
rows; the triggers keep the counters in the same transaction as the rows they count.
"""

from __future__ import annotations

import sqlite3

from .store import run_script

__all__ = ["_v_hardening"]


def _counter_triggers(table: str, metric: str, *, active_only: bool) -> str:
    """Triggers keeping ``usage_counters`` equal to the rows of ``table`` (only ``is_active`` ones if asked)."""
    bump = (
        "INSERT INTO usage_counters (account_id, metric, period, value) VALUES ({acct}, '{metric}', '', {delta})"
        " ON CONFLICT (account_id, metric, period) DO UPDATE SET value = value + excluded.value;"
    )
    when_new = " WHEN NEW.is_active != 0" if active_only else ""
    when_old = " WHEN OLD.is_active != 0" if active_only else ""
    out = f"""
CREATE TRIGGER IF NOT EXISTS {table}_count_insert AFTER INSERT ON {table}{when_new} BEGIN
    {bump.format(acct="NEW.account_id", metric=metric, delta=1)}
END;
CREATE TRIGGER IF NOT EXISTS {table}_count_delete AFTER DELETE ON {table}{when_old} BEGIN
    {bump.format(acct="OLD.account_id", metric=metric, delta=-1)}
END;
"""
    if active_only:
        out += f"""
CREATE TRIGGER IF NOT EXISTS {table}_count_update AFTER UPDATE OF is_active ON {table}
WHEN (NEW.is_active != 0) != (OLD.is_active != 0) BEGIN
    {bump.format(acct="NEW.account_id", metric=metric, delta="CASE WHEN NEW.is_active != 0 THEN 1 ELSE -1 END")}
END;
"""
    return out


_MONTH = "strftime('%Y-%m', {col} / 1000, 'unixepoch')"  # the AI quota's period, as plans.month_key() writes it

_HARDENING = f"""
CREATE TABLE IF NOT EXISTS usage_counters (            -- what the tier limits count, kept by the triggers below
    account_id INTEGER NOT NULL,
    metric TEXT NOT NULL,                -- webhooks | active_integrations | sandboxes | ai_requests
    period TEXT NOT NULL DEFAULT '',     -- '' or, for ai_requests, the UTC month 'YYYY-MM'
    value INTEGER NOT NULL,
    PRIMARY KEY (account_id, metric, period)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS keyring_state (             -- the master key id new secrets must be sealed under
    id INTEGER PRIMARY KEY CHECK (id = 1),
    active_key_id TEXT NOT NULL
);
{_counter_triggers("webhooks", "webhooks", active_only=False)}
{_counter_triggers("integrations", "active_integrations", active_only=True)}
{_counter_triggers("sandbox_environments", "sandboxes", active_only=True)}
CREATE TRIGGER IF NOT EXISTS ai_requests_count_insert AFTER INSERT ON ai_requests BEGIN
    INSERT INTO usage_counters (account_id, metric, period, value)
    VALUES (NEW.account_id, 'ai_requests', {_MONTH.format(col="NEW.created_at")}, 1)
    ON CONFLICT (account_id, metric, period) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER IF NOT EXISTS ai_requests_count_delete AFTER DELETE ON ai_requests BEGIN
    UPDATE usage_counters SET value = value - 1
    WHERE account_id = OLD.account_id AND metric = 'ai_requests' AND period = {_MONTH.format(col="OLD.created_at")};
END;

DELETE FROM usage_counters;  -- rebuilt from the rows: counting is the truth the triggers then maintain
INSERT OR REPLACE INTO usage_counters (account_id, metric, period, value)
    SELECT account_id, 'webhooks', '', COUNT(*) FROM webhooks GROUP BY account_id;
INSERT OR REPLACE INTO usage_counters (account_id, metric, period, value)
    SELECT account_id, 'active_integrations', '', COUNT(*) FROM integrations WHERE is_active != 0 GROUP BY account_id;
INSERT OR REPLACE INTO usage_counters (account_id, metric, period, value)
    SELECT account_id, 'sandboxes', '', COUNT(*) FROM sandbox_environments WHERE is_active != 0
    GROUP BY account_id;
INSERT OR REPLACE INTO usage_counters (account_id, metric, period, value)
    SELECT account_id, 'ai_requests', {_MONTH.format(col="created_at")}, COUNT(*) FROM ai_requests
    GROUP BY 1, 3;
"""


def _v_hardening(conn: sqlite3.Connection) -> None:
    """Usage counters for the tier limits (``plan.retrieve`` and limit checks are O(1), not a COUNT over the
    account's rows), rebuilt from the rows already there; and the keyring state every process checks before it
    writes (see ``store.Database.write``). Re-runnable: a half-upgraded file ends in the same state."""
    run_script(conn, _HARDENING)
    keyring = getattr(conn, "keyring", None)
    if keyring is not None:
        conn.execute("INSERT OR IGNORE INTO keyring_state (id, active_key_id) VALUES (1, ?)", (keyring.active_key_id,))

"""Claim and emit cost against store size: flat from 100 to 100,000 rows (issue 8, target: within 2x).

- claim: one claim of a batch with N pending deliveries parked behind a disabled endpoint AND N due
  deliveries behind a saturated endpoint (all its slots busy), plus 8 claimable rows on another endpoint;
- emit: one emit for an account holding N webhooks subscribed to other events, plus one subscriber.

Each figure is the median of many runs, each rolled back so every run sees the same store.
Run: ``python benchmarks/bench_claim_emit.py`` (about a minute).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))

from delivery_helpers import add_webhook, open_db, plain_secrets  # noqa: E402

from cortexbuild_sdk.local.delivery import outbox  # noqa: E402
from cortexbuild_sdk.local.delivery.claim import Limits, TokenBuckets, claim  # noqa: E402
from cortexbuild_sdk.local.store import Database  # noqa: E402

SIZES = (100, 10_000, 100_000)
RUNS = 60
NOW = 1_760_000_000_000


def _backlog(db: Database, webhook_id: int, n: int, tag: str) -> None:
    payload = json.dumps(
        {"event": "task.created", "timestamp": NOW, "data": {}, "company_id": "c", "user_id": "u", "id": f"evt_{tag}"},
        separators=(",", ":"),
    )
    with db.write() as conn:
        conn.execute(
            "INSERT INTO webhook_events (id, account_id, event_type, payload, created_at)"
            " VALUES (?, 1, 'task.created', ?, ?)",
            (f"evt_{tag}", payload, NOW),
        )
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO webhook_deliveries (id, event_id, webhook_id, next_attempt_at, created_at, updated_at)"
            " SELECT printf('msg_%s%08d', ?, i), ?, ?, ?, ?, ? FROM n",
            (n, tag, f"evt_{tag}", webhook_id, NOW, NOW, NOW),
        )


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def claim_cost(tmp: Path, n: int) -> float:
    db = open_db(tmp / f"claim-{n}.db")
    parked = add_webhook(db, "http://127.0.0.1:9/parked")
    saturated = add_webhook(db, "http://127.0.0.1:9/saturated")
    ready = add_webhook(db, "http://127.0.0.1:9/ready")
    _backlog(db, parked, n, "parked")
    _backlog(db, saturated, n, "saturated")
    _backlog(db, ready, 8, "ready")
    with db.write() as conn:
        conn.execute("UPDATE webhooks SET is_active = 0 WHERE id = ?", (parked,))
    samples = []
    for _ in range(RUNS):
        conn = db.connection()
        conn.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        result = claim(
            conn,
            owner="bench",
            now_ms=NOW + 1,
            limits=Limits(64, 8, 64),
            busy={saturated: 8},
            account_busy={},
            buckets=TokenBuckets(),
            secrets=plain_secrets,
        )
        samples.append(time.perf_counter() - started)
        conn.execute("ROLLBACK")
        assert len(result.jobs) == 8
    db.close()
    return _median_ms(samples)


def emit_cost(tmp: Path, n: int) -> float:
    db = open_db(tmp / f"emit-{n}.db")
    with db.write() as conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at, updated_at)"
            " SELECT 1, 'u', 'c', 'hook', 'http://127.0.0.1:9/x', '[\"invoice.paid\"]', 's', 0, 0 FROM n",
            (n,),
        )
    add_webhook(db, "http://127.0.0.1:9/subscriber", events=["task.created"])
    samples = []
    for _ in range(RUNS):
        conn = db.connection()
        conn.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        outbox.emit(
            conn, account_id=1, company_id="c", user_id="u", event="task.created", data={"task": {"id": 1}}, now_ms=NOW
        )
        samples.append(time.perf_counter() - started)
        conn.execute("ROLLBACK")
    db.close()
    return _median_ms(samples)


def main() -> None:
    print(f"{'rows':>8} {'claim (ms)':>11} {'emit (ms)':>10}   (median of {RUNS})")
    claims, emits = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            c, e = claim_cost(Path(tmp), n), emit_cost(Path(tmp), n)
            claims.append(c)
            emits.append(e)
            print(f"{n:>8} {c:>11.3f} {e:>10.3f}")
    for name, values in (("claim", claims), ("emit", emits)):
        spread = max(values) / min(values)
        verdict = "meets" if spread <= 2 else "misses"
        print(f"{name}: largest/smallest {spread:.2f}x ({verdict} the flat-within-2x target)")


if __name__ == "__main__":
    main()

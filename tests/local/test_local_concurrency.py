"""Many threads and two processes writing into one database file: no "database is locked", exact counters."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
from helpers_local import WEBHOOK

from cortexbuild_sdk.local import Backend, RateLimitConfig

THREADS, OPS = 8, 500


def test_8_threads_x_500_mixed_writes(tmp_path: Path) -> None:
    errors: list[str] = []
    with Backend(tmp_path / "busy.db", tier="enterprise", rate_limits=RateLimitConfig.disabled()) as backend:
        headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
        with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as c:
            shared = c.post("/api/integrations/webhooks", json=WEBHOOK).json()["webhook"]["id"]
        barrier = threading.Barrier(THREADS)

        def worker(n: int) -> None:
            try:
                with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as c:
                    barrier.wait()
                    mine = c.post("/api/integrations/webhooks", json=WEBHOOK).json()["webhook"]["id"]
                    for i in range(OPS - 1):
                        op = i % 4
                        if op == 0:
                            r = c.post("/api/integrations/webhooks", json={**WEBHOOK, "name": f"t{n}-{i}"})
                        elif op == 1:  # read-modify-write: lost updates would show in the counter
                            with backend.db.write() as conn:
                                value = conn.execute(
                                    "SELECT success_count FROM webhooks WHERE id = ?", (shared,)
                                ).fetchone()[0]
                                conn.execute("UPDATE webhooks SET success_count = ? WHERE id = ?", (value + 1, shared))
                            continue
                        elif op == 2:
                            r = c.post("/api/sdk/usage/ai", json={"model": "m", "prompt_tokens": 1})
                        else:
                            r = c.patch(f"/api/integrations/webhooks/{mine}", json={"name": f"n{i}"})
                        if not r.is_success:
                            errors.append(r.text)
            except Exception as exc:  # collected: an exception in a thread must fail the test
                errors.append(repr(exc))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        per_thread = {op: sum(1 for i in range(OPS - 1) if i % 4 == op) for op in range(4)}
        with backend.db.read() as conn:
            hooks = conn.execute("SELECT COUNT(*) FROM webhooks").fetchone()[0]
            counter = conn.execute("SELECT success_count FROM webhooks WHERE id = ?", (shared,)).fetchone()[0]
            ai = conn.execute("SELECT COUNT(*) FROM ai_requests").fetchone()[0]
        assert hooks == 1 + THREADS * (1 + per_thread[0])
        assert counter == THREADS * per_thread[1]
        assert ai == THREADS * per_thread[2]


_CHILD = textwrap.dedent(
    """
    import sys, httpx
    from cortexbuild_sdk.local import Backend, RateLimitConfig
    with Backend(sys.argv[1], rate_limits=RateLimitConfig.disabled()) as b:
        print(b.owner_api_key, flush=True)
        sys.stdin.readline()  # start together with the parent
        with httpx.Client(transport=b.transport(), base_url="http://x",
                          headers={"Authorization": f"Bearer {b.owner_api_key}"}) as c:
            for i in range(int(sys.argv[2])):
                r = c.post("/api/sdk/marketplace/modules/1/reviews", json={"rating": 1 + i % 5})
                assert r.status_code == 201, r.text
                with b.db.write() as conn:
                    conn.execute("UPDATE accounts SET tier = tier WHERE id = 1")
                    conn.execute("INSERT INTO ai_requests (account_id, user_id, company_id, model, created_at)"
                                 " VALUES (1, 'user-1', 'company-1', 'child', 0)")
    print("done", flush=True)
    """
)


def test_two_processes_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    n = 300
    with Backend(path, tier="enterprise", rate_limits=RateLimitConfig.disabled()) as backend:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == backend.owner_api_key  # same key file, same owner key
        child.stdin.write("go\n")
        child.stdin.flush()
        with httpx.Client(
            transport=backend.transport(),
            base_url="http://x",
            headers={"Authorization": f"Bearer {backend.owner_api_key}"},
        ) as c:
            for i in range(n):
                assert c.post("/api/sdk/usage/ai", json={"model": "parent", "prompt_tokens": i}).status_code == 201
        out, errs = child.communicate(timeout=120)
        assert child.returncode == 0, errs
        assert out.strip() == "done"
        with backend.db.read() as conn:
            counts = dict(conn.execute("SELECT model, COUNT(*) FROM ai_requests GROUP BY model").fetchall())
            reviews = conn.execute("SELECT COUNT(*) FROM module_reviews").fetchone()[0]
        assert counts == {"parent": n, "child": n}
        assert reviews == 1  # one per user per module: the child's upserts kept a single row

"""Requests/s of `cortexbuild local serve` over loopback, next to a minimal Starlette app doing the same SQLite work.

    PYTHONPATH=src python benchmarks/bench_serve.py [--seconds 3] [--concurrency 16] [--rounds 3]

Three processes per measurement: the server under test, and a load generator (asyncio + aiohttp, keep-alive,
N concurrent connections) in its own process. The baseline is a Starlette app under the same uvicorn settings
doing the same SQLite statements per request (the API-key lookup, then the row read / insert in a
BEGIN IMMEDIATE transaction) without the backend's layers (routing table, scopes, rate limiter, validation,
rendering). Cases: retrieve = GET /api/integrations/webhooks/:id, create = POST /api/sdk/usage/ai (an insert
with no plan limit on the enterprise tier). Prints the median of the rounds and the ratio to the baseline.
Also times `cortexbuild --help` (target: well under 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AI_BODY = {"model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5}


# ---- the baseline server ----------------------------------------------------------------------------------


def baseline_app(db_path: str) -> Any:
    import threading

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    local = threading.local()

    def conn() -> sqlite3.Connection:
        c = getattr(local, "conn", None)
        if c is None:
            c = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA busy_timeout = 5000")
            c.row_factory = sqlite3.Row
            local.conn = c
        return c

    def account(request: Request) -> int | None:
        token = request.headers.get("authorization", "")[7:]
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = conn().execute("SELECT account_id FROM api_keys WHERE key_hash = ?", (digest,)).fetchone()
        return None if row is None else int(row[0])

    def retrieve(request: Request) -> JSONResponse:
        acct = account(request)
        row = (
            conn()
            .execute("SELECT * FROM webhooks WHERE id = ? AND account_id = ?", (int(request.path_params["id"]), acct))
            .fetchone()
        )
        if row is None:
            return JSONResponse({"success": False, "code": "not_found"}, 404)
        return JSONResponse({"success": True, "webhook": {k: row[k] for k in row.keys() if k != "secret"}})  # noqa: SIM118

    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        return await _threaded(_insert, request, body)

    def _insert(request: Request, body: dict[str, Any]) -> JSONResponse:
        acct = account(request)
        c = conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            cur = c.execute(
                "INSERT INTO ai_requests (account_id, user_id, company_id, provider, model, prompt_tokens,"
                " completion_tokens, total_tokens, estimated_cost, metadata, created_at)"
                " VALUES (?, 'u', 'c', NULL, ?, ?, ?, ?, 0, '{}', ?)",
                (acct, body["model"], body["prompt_tokens"], body["completion_tokens"],
                 body["prompt_tokens"] + body["completion_tokens"], int(time.time() * 1000)),
            )  # fmt: skip
            row = c.execute("SELECT * FROM ai_requests WHERE id = ?", (cur.lastrowid,)).fetchone()
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return JSONResponse({"success": True, "request": dict(row)}, 201)

    async def _threaded(fn: Any, *args: Any) -> Any:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(fn, *args)

    return Starlette(
        routes=[
            Route("/api/integrations/webhooks/{id:int}", retrieve, methods=["GET"]),
            Route("/api/sdk/usage/ai", create, methods=["POST"]),
        ]
    )


def run_baseline(db_path: str) -> None:
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(json.dumps({"url": f"http://127.0.0.1:{sock.getsockname()[1]}"}), flush=True)
    config = uvicorn.Config(baseline_app(db_path), log_level="warning", lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


# ---- the load generator -----------------------------------------------------------------------------------


async def _load(url: str, key: str, case: str, webhook_id: int, seconds: float, concurrency: int) -> dict[str, Any]:
    # aiohttp: a client several times cheaper per request than httpx, so the servers, not the load, are measured.
    import aiohttp

    headers = {"authorization": f"Bearer {key}"}
    done = errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, headers=headers, connector=connector) as session:

        async def one() -> bool:
            if case == "retrieve":
                request = session.get(f"/api/integrations/webhooks/{webhook_id}")
            else:
                request = session.post("/api/sdk/usage/ai", json=AI_BODY)
            async with request as answer:
                await answer.read()
                return answer.status < 300

        for _ in range(concurrency):  # warm the connections
            await one()
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                if await one():
                    done += 1
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"rps": done / elapsed, "errors": errors}


def run_load(args: argparse.Namespace) -> None:
    result = asyncio.run(_load(args.load, args.key, args.case, args.webhook_id, args.seconds, args.concurrency))
    print(json.dumps(result), flush=True)


# ---- orchestration ----------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _start(cmd: list[str]) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=_env())
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"server did not start: {cmd}")
    return process, json.loads(line)


def _measure(url: str, key: str, case: str, webhook_id: int, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--load", url, "--key", key, "--case", case, "--webhook-id", str(webhook_id),
         "--seconds", str(args.seconds), "--concurrency", str(args.concurrency)],
        stdout=subprocess.PIPE, text=True, env=_env(), check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout))


def _help_time() -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cortexbuild_sdk.cli", "--help"], capture_output=True, env=_env())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-server", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--webhook-id", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        run_baseline(args.baseline_server)
        return
    if args.load:
        run_load(args)
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        db = workdir / "serve.db"
        cortex, ready = _start(
            [sys.executable, "-m", "cortexbuild_sdk.cli", "local", "serve", "--port", "0", "--db", str(db),
             "--json", "--tier", "enterprise", "--no-rate-limits"]
        )  # fmt: skip
        key = ready["owner_key"]
        import httpx

        hook = httpx.post(
            ready["url"] + "/api/integrations/webhooks",
            headers={"authorization": f"Bearer {key}"},
            json={"name": "bench", "url": "https://example.com/hook", "events": ["project.created"]},
        ).json()["webhook"]
        baseline, base_ready = _start([sys.executable, __file__, "--baseline-server", str(db)])
        results: dict[tuple[str, str], list[float]] = {}
        try:
            for _ in range(args.rounds):
                for case in ("retrieve", "create"):
                    for name, url in (("local serve", ready["url"]), ("starlette", base_ready["url"])):
                        got = _measure(url, key, case, hook["id"], args)
                        if got["errors"]:
                            raise SystemExit(f"{name} {case}: {got['errors']} failed requests")
                        results.setdefault((name, case), []).append(got["rps"])
        finally:
            for process in (cortex, baseline):
                process.terminate()
                process.wait(30)
        print(
            "cortexbuild local serve vs a minimal Starlette app, same SQLite work; loopback, "
            f"{args.concurrency} connections, {args.seconds:.0f} s x {args.rounds} rounds (median req/s)"
        )
        for case in ("retrieve", "create"):
            ours = statistics.median(results[("local serve", case)])
            base = statistics.median(results[("starlette", case)])
            print(f"  {case:<9} local serve {ours:8.0f} req/s   starlette {base:8.0f} req/s   ratio {ours / base:.2f}")
        print(f"  `cortexbuild --help`: {_help_time() * 1000:.0f} ms (median of 5; target < 500 ms)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

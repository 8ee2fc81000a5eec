"""Document upload/download through the in-process transport against a same-run baseline.

Baseline: copying the file to a new file while hashing it with SHA-256 in 64 KiB chunks (the least any upload
into a content-addressed store must do). Candidates: ``POST /api/documents`` (multipart parsed as it streams,
hashed, renamed into the store, row + event committed) and ``GET /api/documents/:id/download`` streamed.
Medians of the runs; Python's peak allocation (tracemalloc, a separate run) against the file size.

    python benchmarks/bench_documents.py [--mib 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx

from cortexbuild_sdk.local import Backend

CHUNK = 64 * 1024


def _median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _list_latency(backend: Backend, client: httpx.Client, runs: int) -> dict[int, tuple[float, float]]:
    """First-page and chain-filter latency with 100 and 100k documents (rows inserted directly, one blob)."""
    out: dict[int, tuple[float, float]] = {}
    with backend.db.read() as conn:
        template = dict(conn.execute("SELECT * FROM documents ORDER BY id LIMIT 1").fetchone())
    del template["id"]
    columns = ", ".join(template)
    marks = ", ".join("?" for _ in template)
    have = len(client.get("/api/documents", params={"limit": 100}).json()["data"])
    for target in (100, 100_000):
        with backend.db.write() as conn:
            conn.executemany(
                f"INSERT INTO documents ({columns}) VALUES ({marks})",
                (tuple(template.values()) for _ in range(target - have)),
            )
        have = target

        def first_page() -> None:
            client.get("/api/documents", params={"limit": 20}).raise_for_status()

        def chain() -> None:
            client.get("/api/documents", params={"parent_document_id": 1}).raise_for_status()

        out[target] = (_median_time(first_page, runs * 4) * 1000, _median_time(chain, runs * 4) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.bin"
        with source.open("wb") as out:
            for _ in range(size // CHUNK):
                out.write(os.urandom(CHUNK))

        def baseline() -> None:
            digest = hashlib.sha256()
            with source.open("rb") as src, (Path(tmp) / "copy.bin").open("wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())

        with Backend(Path(tmp) / "bench.db", tier="enterprise") as backend:
            client = httpx.Client(
                transport=backend.transport(),
                base_url="http://local",
                headers={"Authorization": f"Bearer {backend.owner_api_key}"},
            )
            ids: list[int] = []

            def upload() -> None:
                with source.open("rb") as handle:
                    response = client.post(
                        "/api/documents",
                        data={"project_id": "1", "name": "Scan"},
                        files={"file": ("scan.bin", handle, "application/octet-stream")},
                    )
                response.raise_for_status()
                ids.append(response.json()["data"]["id"])

            def download() -> None:
                with client.stream("GET", f"/api/documents/{ids[0]}/download") as response:
                    for _ in response.iter_raw():
                        pass

            upload()  # warm-up (and the blob exists from here on: later uploads measure the dedupe path too)
            base = _median_time(baseline, args.runs)
            up = _median_time(upload, args.runs)
            down = _median_time(download, args.runs)
            up_peak, down_peak = _peak(upload), _peak(download)
            list_ms = _list_latency(backend, client, args.runs)
            client.close()

    mib = args.mib
    print(f"file: {mib} MiB, median of {args.runs} runs")
    print(f"baseline copy+sha256   {base * 1000:8.1f} ms  {mib / base:8.1f} MiB/s")
    print(f"upload (multipart)     {up * 1000:8.1f} ms  {mib / up:8.1f} MiB/s  {up / base:5.2f}x baseline")
    print(f"download (streamed)    {down * 1000:8.1f} ms  {mib / down:8.1f} MiB/s  {down / base:5.2f}x baseline")
    for rows, (first, chain) in list_ms.items():
        print(f"list at {rows:>7} rows: first page {first:6.2f} ms, one chain {chain:6.2f} ms (median)")
    print(f"peak Python memory: upload {up_peak / 1024:.0f} KiB, download {down_peak / 1024:.0f} KiB "
          f"({up_peak / size * 100:.2f}% / {down_peak / size * 100:.2f}% of the file)")  # fmt: skip


if __name__ == "__main__":
    main()

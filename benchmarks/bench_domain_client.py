"""What parsing the construction objects costs: a page of invoices through the typed client.

Serves ``GET /api/invoices`` from an in-process ``httpx.MockTransport`` (no sockets, so only the client's
work is timed) with a contract-shaped page: money as JSON numbers, SQLite timestamps, items as JSON text.
Times ``client.invoices.list(limit=N).data`` (typed ``Invoice`` models with exact ``Decimal`` money) against
the same transport answered and decoded with ``httpx.Client.get(url).json()`` (plain dicts of floats), and
prints the median of interleaved repeats, the cost per object and the ratio.

    python benchmarks/bench_domain_client.py [--items 100] [--repeats 9] [--loops 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import httpx

from cortexbuild_sdk import CortexBuild


def invoice(i: int) -> dict[str, object]:
    return {
        "id": i,
        "company_id": "company-1",
        "project_id": 7,
        "client_id": 45,
        "invoice_number": f"INV-2025-{i:04d}",
        "status": "sent",
        "issue_date": "2025-10-01",
        "due_date": "2025-10-31",
        "subtotal": 1140.3,
        "tax_rate": 8.25,
        "tax_amount": 94.07,
        "total": 1234.37,
        "paid_amount": 0,
        "balance": 1234.37,
        "notes": None,
        "terms": "Net 30",
        "paid_at": None,
        "items": '[{"description":"Concrete","quantity":3,"unit_price":380.1}]',
        "created_at": "2025-10-09 12:00:00",
        "updated_at": "2025-10-09 12:30:00",
    }


def median_seconds(fn: Callable[[], object], loops: int, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--loops", type=int, default=50)
    args = parser.parse_args()

    pagination = {"page": 1, "limit": args.items, "total": args.items, "totalPages": 1}
    body = json.dumps({"success": True, "data": [invoice(i) for i in range(args.items)], "pagination": pagination})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body.encode()))
    url = "http://bench.local/api/invoices"
    client = CortexBuild(api_key="k", base_url="http://bench.local", http_client=httpx.Client(transport=transport))
    raw = httpx.Client(transport=transport)

    typed = client.invoices.list(limit=args.items).data
    assert len(typed) == args.items and typed[0].total == Decimal("1234.37")  # exact, not 1234.369999...

    sdk_runs: list[float] = []
    raw_runs: list[float] = []
    for _ in range(args.repeats):  # interleaved, so machine noise hits both
        sdk_runs += median_seconds(lambda: client.invoices.list(limit=args.items).data, args.loops, 1)
        raw_runs += median_seconds(lambda: raw.get(url).json()["data"], args.loops, 1)
    sdk, baseline = statistics.median(sdk_runs), statistics.median(raw_runs)
    print(f"page of {args.items} invoices, median of {args.repeats} x {args.loops}")
    print(f"  httpx get + .json() (dicts of floats)      {baseline * 1e3:8.3f} ms")
    print(f"  client.invoices.list() (Invoice, Decimal)  {sdk * 1e3:8.3f} ms")
    print(f"  typed parsing per invoice                  {(sdk - baseline) / args.items * 1e6:8.1f} us")
    print(f"  ratio                                      {sdk / baseline:8.2f}x (no target; measure, compare)")


if __name__ == "__main__":
    main()

"""Webhook verification throughput: cortexbuild_sdk.webhooks against raw HMAC and the peer libraries.

Run: ``.venv/bin/python benchmarks/bench_verify.py`` (about 30 s). Every figure is measured in this run: the
best of several timed repeats of a ``time.perf_counter`` loop, as verifications per second. Targets (issue 3):
verify >= 0.6x raw HMAC at 1 KiB and >= 0.9x at 64 KiB; at 1 KiB also >= 1.6x stripe's verify_header,
>= 2.5x standardwebhooks (verification only, json_parse=False), construct_event >= 5x stripe's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import standardwebhooks
import stripe
import svix.webhooks

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.testing import encode_payload, make_event_payload

SECRET = "9b1f0c7e2d4a6b8c0e1f3a5b7c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d"
REPEATS = 7
TARGET_SECONDS = 0.1  # per candidate per round
RAW = "raw hmac.new().hexdigest + compare_digest"
STRIPE = "stripe WebhookSignature.verify_header"
STD = "standardwebhooks verify (json_parse=False)"


def calibrate(fn: Callable[[], object]) -> int:
    """Loop count that takes about TARGET_SECONDS."""
    fn()  # warm caches (secret encoding, lazy imports) outside the timing
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= TARGET_SECONDS / 4:
            return max(1, int(n * TARGET_SECONDS / elapsed))
        n *= 4


def rates(candidates: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Calls per second for each candidate: the best of REPEATS rounds, each round timing every candidate in
    turn, so a burst of load from elsewhere on the machine hits all of them rather than one."""
    loops = {name: calibrate(fn) for name, fn in candidates.items()}
    best = dict.fromkeys(candidates, float("inf"))
    for _ in range(REPEATS):
        for name, fn in candidates.items():
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return {name: 1 / seconds for name, seconds in best.items()}


def padded(size: int, make: Callable[[str], bytes]) -> bytes:
    """A body of exactly ``size`` bytes built by ``make(filler)``."""
    filler = ""
    body = make(filler)
    filler = "x" * (size - len(body))
    body = make(filler)
    assert len(body) == size, (len(body), size)
    return body


def cortexbuild_body(size: int) -> bytes:
    now_ms = int(time.time() * 1000)

    def make(filler: str) -> bytes:
        data = {"project": {"id": 123, "name": "New Office Building", "status": "active", "notes": filler}}
        return encode_payload(make_event_payload("project.created", data, timestamp=now_ms))

    return padded(size, make)


def stripe_body(size: int) -> bytes:
    def make(filler: str) -> bytes:
        event: dict[str, Any] = {
            "id": "evt_1",
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer", "description": filler}},
        }
        return json.dumps(event, separators=(",", ":")).encode()

    return padded(size, make)


def run(size: int) -> dict[str, float]:
    body = cortexbuild_body(size)
    headers = webhooks.sign(body, SECRET, webhook_id=1)
    seed_headers = {k: v for k, v in headers.items() if k.startswith("X-")}
    key = SECRET.encode()
    expected = headers["X-CortexBuild-Signature"]
    std = standardwebhooks.Webhook(webhooks.standard_secret(SECRET))
    sv = svix.webhooks.Webhook(webhooks.standard_secret(SECRET))
    sbody = stripe_body(size)
    stripe_header = stripe.WebhookSignature.generate_signature_header(sbody.decode(), SECRET)
    verify, construct = webhooks.verify, webhooks.construct_event

    def raw() -> None:
        if not hmac.compare_digest(hmac.new(key, body, hashlib.sha256).hexdigest(), expected):
            raise AssertionError

    return rates(
        {
            "verify (delivery headers: Standard path)": lambda: verify(body, headers, SECRET),
            "verify (seed headers only)": lambda: verify(body, seed_headers, SECRET),
            RAW: raw,
            STD: lambda: std.verify(body, headers, json_parse=False),
            "standardwebhooks verify (default, parses)": lambda: std.verify(body, headers),
            "svix verify": lambda: sv.verify(body, headers),
            STRIPE: lambda: stripe.WebhookSignature.verify_header(sbody, stripe_header, SECRET, 300),
            "construct_event": lambda: construct(body, headers, SECRET),
            "construct_event (seed headers only)": lambda: construct(body, seed_headers, SECRET),
            "stripe Webhook.construct_event": lambda: stripe.Webhook.construct_event(
                sbody, stripe_header, SECRET, api_key="sk_test_bench"
            ),
        }
    )


def report(label: str, ratio: float, target: float | None) -> bool:
    if target is None:
        print(f"  {label:<62} {ratio:6.2f}x  (no target)")
        return True
    ok = ratio >= target
    print(f"  {label:<62} {ratio:6.2f}x  (target >= {target}x)  {'ok' if ok else 'MISSED'}")
    return ok


# The targets. At 64 KiB only the raw-HMAC one applies: there every library's time is mostly the
# same SHA-256 pass over the body, so 1.6x/2.5x/5x the peers would mean beating the hash itself.
TARGETS: dict[int, dict[str, float | None]] = {
    1024: {"raw": 0.6, "stripe": 1.6, "standardwebhooks": 2.5, "construct": 5.0},
    64 * 1024: {"raw": 0.9, "stripe": None, "standardwebhooks": None, "construct": None},
}


def main() -> int:
    start = time.perf_counter()
    print(f"python {sys.version.split()[0]}, best of {REPEATS} interleaved rounds of ~{TARGET_SECONDS}s per candidate")
    all_ok = True
    for size, targets in TARGETS.items():
        figures = run(size)
        print(f"\n{size // 1024} KiB body: verifications/s")
        for name, value in figures.items():
            print(f"  {name:<62} {value:>12,.0f}")
        print("ratios")
        for variant in ("verify (delivery headers: Standard path)", "verify (seed headers only)"):
            v = figures[variant]
            all_ok &= report(f"{variant} / raw hmac", v / figures[RAW], targets["raw"])
            all_ok &= report(f"{variant} / stripe verify_header", v / figures[STRIPE], targets["stripe"])
            all_ok &= report(f"{variant} / standardwebhooks", v / figures[STD], targets["standardwebhooks"])
        for variant in ("construct_event", "construct_event (seed headers only)"):
            ratio = figures[variant] / figures["stripe Webhook.construct_event"]
            all_ok &= report(f"{variant} / stripe construct_event", ratio, targets["construct"])
    print(f"\n{'all targets met' if all_ok else 'SOME TARGETS MISSED'} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

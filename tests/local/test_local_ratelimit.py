"""Rate limiting with a ManualClock: token bucket per key and group, headers, refill, abuse block."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from helpers_local import ClientFactory, err, ok

from cortexbuild_sdk.local import Backend, Bucket, ManualClock, RateLimitConfig


@pytest.fixture
def limited(clock: ManualClock) -> Iterator[Backend]:
    config = RateLimitConfig(
        default=Bucket(5, 1.0), groups={"usage": Bucket(2, 0.5)}, block_after=4, block_window=60, block_seconds=120
    )
    with Backend(clock=clock, rate_limits=config) as b:
        yield b


def test_bucket_headers_and_refill(limited: Backend, make_client: ClientFactory, clock: ManualClock) -> None:
    c = make_client(of=limited)
    for i in range(5):
        r = c.get("/api/integrations/webhooks/list")
        ok(r)
        assert r.headers["x-ratelimit-limit"] == "5" and r.headers["x-ratelimit-remaining"] == str(4 - i)
    r = c.get("/api/integrations/webhooks/list")
    body = err(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "1" and r.headers["x-ratelimit-remaining"] == "0"
    assert int(r.headers["x-ratelimit-reset"]) >= 1 and body["details"]["group"] == "webhooks"
    ok(c.get("/api/integrations/list"))  # another group has its own bucket
    clock.advance(1)
    ok(c.get("/api/integrations/webhooks/list"))


def test_groups_configurable(limited: Backend, make_client: ClientFactory, clock: ManualClock) -> None:
    c = make_client(of=limited)
    ok(c.get("/api/sdk/plan"))
    ok(c.get("/api/sdk/plan"))
    r = c.get("/api/sdk/plan")
    err(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "2"


def test_per_key(limited: Backend, make_client: ClientFactory) -> None:
    owner = make_client(of=limited)
    other = make_client(
        ok(owner.post("/api/sdk/keys", json={"name": "o", "scopes": ["usage:read"]}))["secret"], of=limited
    )
    ok(owner.get("/api/sdk/plan"))
    ok(owner.get("/api/sdk/plan"))
    err(owner.get("/api/sdk/plan"), 429, "rate_limited")
    ok(other.get("/api/sdk/plan"))


def test_repeated_abuse_blocks_the_key(limited: Backend, make_client: ClientFactory, clock: ManualClock) -> None:
    c = make_client(of=limited)
    for _ in range(5):
        ok(c.get("/api/integrations/webhooks/list"))
    for _ in range(4):
        r = c.get("/api/integrations/webhooks/list")
        err(r, 429, "rate_limited")
    assert r.json()["details"]["blocked"] is True and r.headers["retry-after"] == "120"
    r = c.get("/api/integrations/list")  # blocked everywhere
    assert err(r, 429, "rate_limited")["details"]["blocked"] is True
    clock.advance(60)
    err(c.get("/api/integrations/list"), 429, "rate_limited")
    clock.advance(61)
    ok(c.get("/api/integrations/list"))


def test_disabled(clock: ManualClock, make_client: ClientFactory) -> None:
    with Backend(clock=clock, rate_limits=RateLimitConfig.disabled()) as b:
        c = make_client(of=b)
        r = c.get("/api/sdk/plan")
        ok(r)
        assert "x-ratelimit-limit" not in r.headers


def test_default_is_generous(client: httpx.Client) -> None:
    for _ in range(300):
        ok(client.get("/api/sdk/plan"))

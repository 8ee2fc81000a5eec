"""Retry schedule, jitter bounds and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from cortexbuild_sdk.local.delivery import JITTER, MAX_RETRY_AFTER, RETRY_SCHEDULE
from cortexbuild_sdk.local.delivery.schedule import next_delay, parse_retry_after


def test_schedule_is_the_documented_one() -> None:
    assert RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


@pytest.mark.parametrize("done", range(1, 8))
def test_each_step_is_jittered_within_20_percent(done: int) -> None:
    rng = random.Random(done)
    delays = [next_delay(done, rng) for _ in range(500)]
    base = RETRY_SCHEDULE[done]
    assert all(d is not None and base * (1 - JITTER) <= d <= base * (1 + JITTER) for d in delays)
    assert len({round(d or 0, 6) for d in delays}) > 100  # actually random


def test_exhausted_after_eight_attempts() -> None:
    assert next_delay(8, random.Random()) is None
    assert next_delay(0, random.Random()) == 0


def test_retry_after_wins_only_when_longer_and_is_capped() -> None:
    rng = random.Random(3)
    short = next_delay(1, rng, retry_after=1)
    assert short is not None
    assert short <= 6
    assert next_delay(1, rng, retry_after=120) == 120
    assert next_delay(2, rng, retry_after=10**9) == MAX_RETRY_AFTER


def test_parse_retry_after() -> None:
    now = 1_760_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(" 7 ", now) == 7
    date = format_datetime(datetime.fromtimestamp(now + 90, tz=timezone.utc), usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(90, abs=1)
    past = format_datetime(datetime.fromtimestamp(now - 90, tz=timezone.utc), usegmt=True)
    assert parse_retry_after(past, now) == 0
    for bad in (None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2025"):
        assert parse_retry_after(bad, now) is None

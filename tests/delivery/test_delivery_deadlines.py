"""One timer for every attempt's deadline: each fires on time (within a tick), in any order, and only then."""

from __future__ import annotations

import asyncio
import time

import pytest

from cortexbuild_sdk.local.delivery.attempt import AttemptTimeout, Deadlines


async def _timed(deadlines: Deadlines, seconds: float, sleep: float) -> tuple[str, float]:
    started = time.monotonic()
    try:
        await deadlines.within(asyncio.sleep(sleep), seconds)
    except AttemptTimeout:
        return "timeout", time.monotonic() - started
    return "done", time.monotonic() - started


def test_a_deadline_fires_within_one_tick_and_a_quick_attempt_is_untouched() -> None:
    async def main() -> None:
        deadlines = Deadlines()
        (slow, slow_s), (quick, _) = await asyncio.gather(_timed(deadlines, 0.2, 5), _timed(deadlines, 0.2, 0.01))
        assert (slow, quick) == ("timeout", "done")
        assert 0.2 <= slow_s < 0.2 + Deadlines.TICK + 0.1
        task = asyncio.current_task()
        assert task is not None and getattr(task, "cancelling", lambda: 0)() == 0  # nothing left pending

    asyncio.run(main())


def test_a_shorter_deadline_behind_a_longer_one_is_not_held_up() -> None:
    async def main() -> None:
        deadlines = Deadlines()
        first = asyncio.create_task(_timed(deadlines, 2.0, 5))
        await asyncio.sleep(0)
        outcome, seconds = await _timed(deadlines, 0.1, 5)  # TIMEOUT lowered meanwhile (tests do it)
        assert outcome == "timeout" and seconds < 0.1 + Deadlines.TICK + 0.1
        first.cancel()

    asyncio.run(main())


def test_a_cancel_from_outside_is_not_mistaken_for_a_timeout() -> None:
    async def main() -> None:
        deadlines = Deadlines()
        task = asyncio.create_task(deadlines.within(asyncio.sleep(5), 10.0))
        await asyncio.sleep(0.01)
        task.cancel()  # a stopping dispatcher
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_many_attempts_share_one_timer() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        timers = 0
        real = loop.call_later

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal timers
            timers += 1
            return real(*args, **kwargs)

        loop.call_later = counting  # type: ignore[method-assign]
        results = await asyncio.gather(*(deadlines.within(asyncio.sleep(0, i), 10.0) for i in range(500)))
        assert results == list(range(500))
        assert timers <= 2  # the sweeper's, not one per attempt

    asyncio.run(main())

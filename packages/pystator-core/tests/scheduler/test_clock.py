"""``SystemClock`` and the ``FakeClock`` tests drive time with: ordering, cancellation, awaiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from pystator import Clock, SystemClock
from pystator.testing.clock import FakeClock


async def test_system_clock_reads_aware_utc_and_monotonic_time() -> None:
    clock = SystemClock()
    assert isinstance(clock, Clock)
    assert clock.now().tzinfo is UTC
    first = clock.monotonic()
    assert clock.monotonic() >= first


async def test_system_clock_call_at_runs_the_awaitable_a_callback_returns() -> None:
    clock = SystemClock()
    done = asyncio.Event()

    async def finish() -> None:
        done.set()

    clock.call_at(clock.monotonic(), finish)
    await asyncio.wait_for(done.wait(), timeout=5)


async def test_system_clock_call_at_can_be_cancelled_and_sleep_until_returns() -> None:
    clock = SystemClock()
    ran: list[int] = []
    handle = clock.call_at(clock.monotonic() + 0.001, lambda: ran.append(1))
    handle.cancel()
    await clock.sleep_until(clock.monotonic() + 0.005)
    await clock.sleep_until(clock.monotonic() - 1)  # a past deadline returns at once
    assert ran == []


async def test_fake_clock_moves_only_when_advanced() -> None:
    start = datetime(2030, 5, 1, 12, tzinfo=UTC)
    clock = FakeClock(start)
    assert isinstance(clock, Clock)
    assert (clock.now(), clock.monotonic()) == (start, 0.0)
    await clock.advance(1500)
    assert clock.now() == start + timedelta(milliseconds=1500)
    assert clock.monotonic() == 1.5


async def test_fake_clock_runs_due_callbacks_in_deadline_order_at_their_deadline() -> None:
    clock = FakeClock()
    seen: list[tuple[str, float]] = []
    for name, at in (("c", 0.3), ("a", 0.1), ("b", 0.2), ("late", 5.0)):
        clock.call_at(at, lambda name=name: seen.append((name, clock.monotonic())))
    await clock.advance(300)
    assert seen == [("a", 0.1), ("b", 0.2), ("c", 0.3)]
    assert clock.armed == 1
    assert clock.next_deadline() == 5.0


async def test_fake_clock_cancelled_callbacks_never_run() -> None:
    clock = FakeClock()
    ran: list[int] = []
    handle = clock.call_at(0.01, lambda: ran.append(1))
    handle.cancel()
    await clock.advance(100)
    assert ran == []
    assert clock.armed == 0
    assert clock.next_deadline() is None


async def test_fake_clock_awaits_what_a_callback_returns_before_advance_returns() -> None:
    clock = FakeClock()
    steps: list[str] = []

    async def work() -> None:
        steps.append("start")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        steps.append("end")

    clock.call_at(1.0, work)
    await clock.advance(1000)
    assert steps == ["start", "end"]


async def test_fake_clock_runs_callbacks_armed_while_advancing() -> None:
    clock = FakeClock()
    seen: list[float] = []

    def chain() -> None:
        seen.append(clock.monotonic())
        if len(seen) < 3:
            clock.call_at(clock.monotonic() + 0.25, chain)

    clock.call_at(0.25, chain)
    await clock.advance(1000)
    assert seen == [0.25, 0.5, 0.75]


async def test_fake_clock_adds_milliseconds_exactly() -> None:
    clock = FakeClock()
    ran: list[int] = []
    await clock.advance(1999)
    clock.call_at(clock.monotonic() + 0.001, lambda: ran.append(1))
    await clock.advance(1)
    assert ran == [1]


async def test_fake_clock_sleep_until_is_released_by_advance() -> None:
    clock = FakeClock()
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(2)
        woke.append(clock.monotonic())

    task = asyncio.ensure_future(sleeper())
    await asyncio.sleep(0)
    await clock.advance(1999)
    assert woke == []
    await clock.advance(1)
    await task
    assert woke == [2.0]
    await clock.sleep_until(1.0)  # already past: returns at once


async def test_fake_clock_run_all_reaches_every_deadline() -> None:
    clock = FakeClock()
    seen: list[float] = []
    for at in (3.0, 1.0, 2.0):
        clock.call_at(at, lambda: seen.append(clock.monotonic()))
    await clock.run_all()
    assert seen == [1.0, 2.0, 3.0]
    assert clock.monotonic() == 3.0


async def test_fake_clock_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="advance"):
        await FakeClock().advance(-1)

"""``FakeClock``: a clock that moves only when a test says so.

Components take a ``Clock`` (``pystator.clock``); give them a ``FakeClock`` and drive time with
``await clock.advance(ms)``. Advancing runs every callback that falls due, in deadline order, with
the clock set to that callback's deadline, and awaits what the callback returns before going on; a
callback armed while advancing runs in the same call if it falls due before the target. So when
``advance`` returns, the timers due by then have fired and their callbacks have finished: no test
sleeps to wait for a timer.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pystator.clock import Cancellable, ClockCallback

__all__ = ["FakeClock"]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)


def _ns(seconds: float) -> int:
    # Whole nanoseconds, so that 1.999 + 0.001 s and 2.0 s are the same instant.
    return round(seconds * 1e9)


@dataclass(order=True, slots=True)
class _Entry:
    deadline_ns: int
    sequence: int
    callback: ClockCallback = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Manual time. ``now()`` starts at ``start`` (2026-01-01 UTC by default), ``monotonic()`` at 0."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock start: expected a timezone-aware datetime")
        self._start = start.astimezone(UTC)
        self._ns = 0
        self._queue: list[_Entry] = []
        self._sequence = itertools.count()

    def now(self) -> datetime:
        return self._start + timedelta(microseconds=self._ns / 1000)

    def monotonic(self) -> float:
        return self._ns / 1e9

    def call_at(self, deadline: float, callback: ClockCallback) -> Cancellable:
        entry = _Entry(_ns(deadline), next(self._sequence), callback)
        heapq.heappush(self._queue, entry)
        return entry

    async def sleep_until(self, deadline: float) -> None:
        if _ns(deadline) <= self._ns:
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        handle = self.call_at(deadline, wake)
        try:
            await woken
        finally:
            handle.cancel()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.monotonic() + seconds)

    @property
    def armed(self) -> int:
        """How many callbacks are waiting (cancelled ones not counted)."""
        return sum(1 for entry in self._queue if not entry.cancelled)

    def next_deadline(self) -> float | None:
        """The earliest deadline still armed, or None."""
        self._drop_cancelled_head()
        return self._queue[0].deadline_ns / 1e9 if self._queue else None

    async def advance(self, ms: float) -> None:
        """Move time forward by ``ms`` milliseconds, running what falls due (see the module doc)."""
        if ms < 0:
            raise ValueError(f"advance: expected milliseconds >= 0, got {ms!r}")
        target = self._ns + round(ms * 1e6)
        while True:
            self._drop_cancelled_head()
            if not self._queue or self._queue[0].deadline_ns > target:
                break
            entry = heapq.heappop(self._queue)
            self._ns = max(self._ns, entry.deadline_ns)
            result = entry.callback()
            if isinstance(result, Awaitable):
                await result
            # Let sleepers woken by this callback (sleep_until) take their next step.
            await asyncio.sleep(0)
        self._ns = target
        await asyncio.sleep(0)

    async def run_all(self, *, limit_ms: float = 365 * 24 * 3600 * 1000) -> None:
        """Advance to each armed deadline in turn until nothing is armed (within ``limit_ms``)."""
        horizon = self._ns + round(limit_ms * 1e6)
        while True:
            self._drop_cancelled_head()
            if not self._queue or self._queue[0].deadline_ns > horizon:
                return
            await self.advance(max(0, self._queue[0].deadline_ns - self._ns) / 1e6)

    def _drop_cancelled_head(self) -> None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)

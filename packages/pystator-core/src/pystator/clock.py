"""``Clock``: the one place PyStator reads time, so that tests can control it.

Components that wait (the asyncio scheduler, retries) take a ``Clock``; ``SystemClock`` is the real
one and ``pystator.testing.clock.FakeClock`` a clock you move by hand, so that no test sleeps to
wait for a timer. Monotonic time (``monotonic()``, ``call_at``, ``sleep_until``) measures delays;
wall time (``now()``) is only for timestamps shown to people and stored in records.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import asyncio

__all__ = ["Cancellable", "Clock", "ClockCallback", "SystemClock"]

ClockCallback = Callable[[], Awaitable[object] | None]
"""A callback run by ``Clock.call_at``; it may return an awaitable that the clock then runs."""


@runtime_checkable
class Cancellable(Protocol):
    """A handle to a callback armed with ``Clock.call_at``."""

    def cancel(self) -> None: ...


@runtime_checkable
class Clock(Protocol):
    """Wall time, monotonic time, and waiting on monotonic deadlines."""

    def now(self) -> datetime:
        """The current wall time as a timezone-aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards; only differences are meaningful."""
        ...

    def call_at(self, deadline: float, callback: ClockCallback) -> Cancellable:
        """Run ``callback`` once ``monotonic()`` reaches ``deadline``, on the running event loop.

        When the callback returns an awaitable, the clock runs it to completion (``SystemClock``
        as a task; a fake clock awaits it before its ``advance`` returns).
        """
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``monotonic()`` has reached ``deadline`` (at once if it already has)."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and the running asyncio event loop's timers."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def call_at(self, deadline: float, callback: ClockCallback) -> Cancellable:
        import asyncio  # here, not at module level: ``import pystator`` stays light

        loop = asyncio.get_running_loop()
        # loop.time() need not be time.monotonic() (other loop implementations), so go by delay.
        return loop.call_later(max(0.0, deadline - self.monotonic()), _run_callback, callback)

    async def sleep_until(self, deadline: float) -> None:
        import asyncio

        await asyncio.sleep(max(0.0, deadline - self.monotonic()))


# The event loop keeps only weak references to tasks: hold the ones started here until they end.
_background: set[asyncio.Future[object]] = set()


def _run_callback(callback: ClockCallback) -> None:
    import asyncio

    result = callback()
    if isinstance(result, Awaitable):
        future = asyncio.ensure_future(result)
        _background.add(future)
        future.add_done_callback(_background.discard)

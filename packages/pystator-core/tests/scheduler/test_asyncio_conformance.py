"""``AsyncioScheduler`` passes the shared scheduler conformance suite, driven by a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pystator.scheduler import AsyncioScheduler
from pystator.testing.clock import FakeClock
from pystator.testing.scheduler_conformance import MemoryRecorder, SchedulerConformance


class TestAsyncioSchedulerConformance(SchedulerConformance):
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    async def scheduler(self, clock: FakeClock | None) -> AsyncIterator[AsyncioScheduler]:
        scheduler = AsyncioScheduler(clock=clock, retry=self.retry_policy())
        yield scheduler
        await scheduler.close()

    @pytest.fixture
    def recorder(self, clock: FakeClock | None) -> MemoryRecorder:
        return MemoryRecorder(clock)

"""``RedisScheduler`` passes the shared scheduler conformance suite against the real Redis server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pystator.testing.clock import FakeClock
from pystator.testing.scheduler_conformance import MemoryRecorder, SchedulerConformance
from pystator_scheduler.redis import RedisScheduler

pytestmark = pytest.mark.redis


class TestRedisSchedulerConformance(SchedulerConformance):
    unit_ms = 100

    @pytest.fixture
    async def scheduler(
        self, clock: FakeClock | None, redis_url: str, redis_prefix: str
    ) -> AsyncIterator[RedisScheduler]:
        scheduler = RedisScheduler(redis_url, prefix=redis_prefix, retry=self.retry_policy())
        yield scheduler
        await scheduler.close()

    @pytest.fixture
    def recorder(self, clock: FakeClock | None) -> MemoryRecorder:
        return MemoryRecorder()

"""``CeleryScheduler`` passes the shared scheduler conformance suite with a real Celery worker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from pystator.scheduler import RetryPolicy
from pystator.testing.clock import FakeClock
from pystator.testing.scheduler_conformance import RecordedFire, SchedulerConformance
from pystator_scheduler.celery import CeleryScheduler

pytestmark = pytest.mark.redis


class RedisListRecorder:
    """Reads the deliveries the worker's recording handlers append to a Redis list."""

    def __init__(self, client: aioredis.Redis, key: str) -> None:
        self._client = client
        self._key = key

    @property
    def callback(self) -> str:
        return "conformance_record"

    @property
    def sync_callback(self) -> str:
        return "conformance_record_sync"

    async def fires(self) -> list[RecordedFire]:
        return [
            RecordedFire.from_dict(json.loads(raw)) for raw in await self._client.lrange(self._key, 0, -1)
        ]


class TestCelerySchedulerConformance(SchedulerConformance):
    unit_ms = 250  # the worker's settings use the same unit for their retry policy

    @pytest.fixture
    def prefix(self, celery_worker: Any) -> str:
        return str(celery_worker.next_prefix())

    @pytest.fixture
    async def scheduler(
        self, clock: FakeClock | None, celery_worker: Any, prefix: str
    ) -> AsyncIterator[CeleryScheduler]:
        assert celery_worker.settings.unit_ms == self.unit_ms
        scheduler = celery_worker.factory.make_scheduler(celery_worker.app, celery_worker.settings, prefix)
        assert scheduler.max_countdown_s == celery_worker.settings.max_countdown_s
        yield scheduler
        await scheduler.close()

    @pytest.fixture
    async def recorder(
        self, clock: FakeClock | None, celery_worker: Any, prefix: str
    ) -> AsyncIterator[RedisListRecorder]:
        client = aioredis.Redis.from_url(celery_worker.settings.redis_url)
        yield RedisListRecorder(client, celery_worker.factory.recorded_key(prefix))
        await client.aclose()

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=2, backoff_ms=self.unit_ms, max_backoff_ms=self.unit_ms)

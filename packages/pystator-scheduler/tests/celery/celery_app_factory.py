"""The Celery app and timer schedulers used by the Celery tests, in the worker and in the test.

Both sides build them from the same settings, so that the worker fires what the test schedules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import redis
from celery import Celery

from pystator.scheduler import RetryPolicy, ScheduledTask
from pystator.testing.scheduler_conformance import record_fire
from pystator_scheduler.celery import CeleryScheduler


@dataclass(frozen=True)
class Settings:
    redis_url: str
    root: str  # key prefix of everything this test run creates, broker keys included
    queue: str
    visibility_timeout_s: float
    max_countdown_s: float
    unit_ms: int

    def to_env(self) -> dict[str, str]:
        return {"PYSTATOR_CELERY_TEST_SETTINGS": json.dumps(self.__dict__)}

    @classmethod
    def from_env(cls, text: str) -> Settings:
        return cls(**json.loads(text))


def make_app(settings: Settings) -> Celery:
    app = Celery("pystator-timer-tests", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        broker_transport_options={
            "global_keyprefix": settings.root,
            "visibility_timeout": settings.visibility_timeout_s,
        },
        broker_connection_retry_on_startup=True,
        task_publish_retry=False,
        worker_hijack_root_logger=False,
    )
    return app


def make_scheduler(
    app: Celery, settings: Settings, prefix: str, *, sweep_grace_ms: int = 60_000
) -> CeleryScheduler:
    return CeleryScheduler(
        app,
        redis_url=settings.redis_url,
        prefix=prefix,
        queue=settings.queue,
        max_countdown_s=settings.max_countdown_s,
        lease_ms=1000,
        retry=RetryPolicy(max_attempts=2, backoff_ms=settings.unit_ms, max_backoff_ms=settings.unit_ms),
        sweep_interval_s=None,
        sweep_grace_ms=sweep_grace_ms,
    )


def recorded_key(prefix: str) -> str:
    return prefix + "recorded"


def register_recording_handlers(scheduler: CeleryScheduler, redis_url: str) -> None:
    """What the conformance suite's recorder expects: each delivery appended to a Redis list."""
    client = redis.Redis.from_url(redis_url)

    def record_sync(task: ScheduledTask) -> None:
        client.rpush(recorded_key(scheduler.prefix), json.dumps(record_fire(task).to_dict()))

    async def record(task: ScheduledTask) -> None:
        record_sync(task)

    scheduler.register_handler("conformance_record", record)
    scheduler.register_handler("conformance_record_sync", record_sync)


def worker_schedulers(app: Celery, settings: Settings, prefixes: Iterable[str]) -> list[CeleryScheduler]:
    schedulers = [make_scheduler(app, settings, prefix) for prefix in prefixes]
    for scheduler in schedulers:
        register_recording_handlers(scheduler, settings.redis_url)
    return schedulers

"""``CeleryScheduler`` beyond the shared suite: Celery's limits, duplicates, lost messages, guards."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from celery import Celery

from pystator.errors import SchedulerError
from pystator.scheduler import TaskStatus
from pystator.scheduler.timer_request import check_timer_request
from pystator_scheduler._store import RedisTimerStore
from pystator_scheduler.celery import FIRE_TASK_NAME, CeleryScheduler, _fire_timer

pytestmark = pytest.mark.redis


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def scheduler(celery_worker: Any) -> AsyncIterator[CeleryScheduler]:
    scheduler = celery_worker.factory.make_scheduler(
        celery_worker.app, celery_worker.settings, celery_worker.next_prefix(), sweep_grace_ms=50
    )
    yield scheduler
    await scheduler.close()


@pytest.fixture
async def client(celery_worker: Any) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(celery_worker.settings.redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def fire_counts(client: aioredis.Redis, celery_worker: Any, prefix: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for raw in await client.lrange(celery_worker.factory.recorded_key(prefix), 0, -1):
        task_id = json.loads(raw)["task_id"]
        counts[task_id] = counts.get(task_id, 0) + 1
    return counts


async def test_a_delay_beyond_the_visibility_timeout_fires_once(
    scheduler: CeleryScheduler, client: aioredis.Redis, celery_worker: Any
) -> None:
    settings = celery_worker.settings
    delay_ms = int(settings.visibility_timeout_s * 1000) + 500
    task_id = await scheduler.schedule(delay_ms, "conformance_record", "e", "late", task_id="long")

    async def fired() -> bool:
        return "long" in await fire_counts(client, celery_worker, scheduler.prefix)

    await eventually(fired, "the long timer to fire", timeout_s=30)
    await eventually(lambda: _status_is(scheduler, task_id, TaskStatus.FIRED), "the fire to be recorded")
    task = await scheduler.get_task(task_id)
    assert task is not None
    assert task.fired_at is not None
    assert task.fired_at >= task.fires_at
    store = RedisTimerStore(client, scheduler.prefix)
    hops = await store.hop(task_id)
    assert hops is not None
    # Re-armed in hops (each message waits at most max_countdown_s; a busy worker needs fewer).
    assert hops >= 2
    # A duplicate would surface by the time a timer scheduled after it fires.
    await scheduler.schedule(settings.unit_ms, "conformance_record", "e", "sentinel", task_id="sentinel")
    await eventually(
        lambda: _contains(fire_counts(client, celery_worker, scheduler.prefix), "sentinel"), "the sentinel"
    )
    assert (await fire_counts(client, celery_worker, scheduler.prefix))["long"] == 1


async def _status_is(scheduler: CeleryScheduler, task_id: str, status: TaskStatus) -> bool:
    task = await scheduler.get_task(task_id)
    return task is not None and task.status is status


async def _contains(counts: Awaitable[dict[str, int]], task_id: str) -> bool:
    return task_id in await counts


async def test_duplicated_messages_fire_once(
    scheduler: CeleryScheduler, client: aioredis.Redis, celery_worker: Any
) -> None:
    unit_s = celery_worker.settings.unit_ms / 1000
    await scheduler.schedule(celery_worker.settings.unit_ms, "conformance_record", "e", "t", task_id="dup")
    for _ in range(3):  # what a broker redelivery looks like to the workers
        celery_worker.app.send_task(
            FIRE_TASK_NAME, args=[scheduler.prefix, "dup", 0], countdown=unit_s, queue=scheduler.queue
        )
    await scheduler.schedule(
        4 * celery_worker.settings.unit_ms, "conformance_record", "e", "t", task_id="after"
    )
    await eventually(
        lambda: _contains(fire_counts(client, celery_worker, scheduler.prefix), "after"), "fires"
    )
    assert await fire_counts(client, celery_worker, scheduler.prefix) == {"dup": 1, "after": 1}


async def test_sweep_resends_a_lost_message(
    scheduler: CeleryScheduler, client: aioredis.Redis, celery_worker: Any
) -> None:
    # Timers stored without their message: the process died between the two steps.
    store = RedisTimerStore(client, scheduler.prefix)
    await store.schedule(check_timer_request(60_000, "e", "t", None, "later"), "conformance_record")
    assert await scheduler.sweep() == 0  # not due: nothing looks lost
    await store.schedule(check_timer_request(0, "e", "t", None, "orphan"), "conformance_record")

    async def swept() -> bool:  # once overdue by the grace period (50 ms here)
        return await scheduler.sweep() == 1

    await eventually(swept, "the sweep to find the orphan")
    await eventually(
        lambda: _contains(fire_counts(client, celery_worker, scheduler.prefix), "orphan"), "fire"
    )
    # The handler records before the worker acknowledges the timer: wait for that too.
    await eventually(lambda: _status_is(scheduler, "orphan", TaskStatus.FIRED), "the fire to be recorded")
    task = await scheduler.get_task("orphan")
    assert task is not None
    assert (task.status, task.attempts) == (TaskStatus.FIRED, 1)
    assert await scheduler.sweep() == 0


async def test_a_started_scheduler_sweeps_periodically(celery_worker: Any, client: aioredis.Redis) -> None:
    prefix = celery_worker.next_prefix()
    store = RedisTimerStore(client, prefix)
    await store.schedule(check_timer_request(0, "e", "t", None, "orphan"), "conformance_record")
    scheduler = CeleryScheduler(
        celery_worker.app,
        redis_url=celery_worker.settings.redis_url,
        prefix=prefix,
        queue=celery_worker.settings.queue,
        max_countdown_s=celery_worker.settings.max_countdown_s,
        lease_ms=1000,
        sweep_interval_s=0.05,
        sweep_grace_ms=50,
    )
    async with scheduler:
        await eventually(lambda: _contains(fire_counts(client, celery_worker, prefix), "orphan"), "the sweep")


async def test_a_handler_unknown_to_the_workers_ends_failed(
    scheduler: CeleryScheduler, celery_worker: Any
) -> None:
    task_id = await scheduler.schedule(0, "not_registered_in_the_worker", "e", "t")

    async def failed() -> bool:
        task = await scheduler.get_task(task_id)
        return task is not None and task.status is TaskStatus.FAILED

    await eventually(failed, "the timer to fail")
    task = await scheduler.get_task(task_id)
    assert task is not None
    assert task.error is not None
    assert "no handler named 'not_registered_in_the_worker'" in task.error
    assert task.attempts == 2


async def test_an_unreachable_broker_schedules_nothing(celery_worker: Any, client: aioredis.Redis) -> None:
    app = Celery("unreachable", broker="redis://127.0.0.1:1/0", set_as_current=False)
    app.conf.update(task_publish_retry=False, broker_connection_timeout=1, broker_connection_max_retries=0)
    prefix = celery_worker.next_prefix()
    async with CeleryScheduler(app, redis_url=celery_worker.settings.redis_url, prefix=prefix) as scheduler:
        with pytest.raises(SchedulerError, match="nothing was scheduled"):
            await scheduler.schedule(10, "h", "e", "t", task_id="x")
        assert await scheduler.get_task("x") is None
        assert await scheduler.count_pending() == 0
        assert await scheduler.get_pending_tasks("e") == []


def _app(**transport: object) -> Celery:
    app = Celery(f"guards-{uuid.uuid4().hex[:6]}", broker="redis://127.0.0.1:6379/0", set_as_current=False)
    app.conf.broker_transport_options = transport
    return app


def test_countdowns_are_capped_below_the_visibility_timeout() -> None:
    assert CeleryScheduler(_app(visibility_timeout=100), prefix="g1:").max_countdown_s == 50
    assert CeleryScheduler(_app(), prefix="g2:").max_countdown_s == 1800  # kombu's default: 1 hour
    with pytest.raises(ValueError, match=r"max_countdown_s.*delivered twice"):
        CeleryScheduler(_app(visibility_timeout=100), prefix="g3:", max_countdown_s=100)
    with pytest.raises(ValueError, match="lease_ms"):
        CeleryScheduler(_app(visibility_timeout=10), prefix="g4:", lease_ms=10_000)


def test_other_options_are_checked() -> None:
    amqp = Celery("amqp", broker="amqp://guest@localhost//", set_as_current=False)
    with pytest.raises(ValueError, match="redis_url"):
        CeleryScheduler(amqp, prefix="g5:")
    with pytest.raises(ValueError, match="prefix"):
        CeleryScheduler(_app(), prefix="")
    with pytest.raises(ValueError, match="queue"):
        CeleryScheduler(_app(), prefix="g6:", queue="")
    with pytest.raises(ValueError, match="sweep_interval_s"):
        CeleryScheduler(_app(), prefix="g7:", sweep_interval_s=0)


def test_a_message_for_an_unknown_prefix_is_an_error() -> None:
    with pytest.raises(LookupError, match="no CeleryScheduler with prefix"):
        _fire_timer("no-such-prefix:", "t", 0)


def test_a_missing_driver_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['celery'] = None\n"
        "try:\n"
        "    import pystator_scheduler.celery\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("IMPORT-ERROR")
    assert "pystator-scheduler[celery]" in out


def test_the_core_forwarder_resolves_the_celery_scheduler() -> None:
    import pystator.scheduler

    assert pystator.scheduler.CeleryScheduler is CeleryScheduler

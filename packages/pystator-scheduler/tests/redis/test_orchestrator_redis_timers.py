"""Orchestrator timers on ``RedisScheduler`` against the real Redis: armed as data, fired once.

Redis timers run on the server's clock, so these tests use short delays and wait for the outcome
(polling the store) instead of a fake clock; the redelivery and stale cases call the Orchestrator's
timer callback directly with the task read back from Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from pystator import InMemoryStateStore, Orchestrator, StateMachine
from pystator.scheduler import TimerRef
from pystator_scheduler.redis import RedisScheduler

pytestmark = pytest.mark.redis

MACHINE: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "redis_timed"},
    "states": [
        {"name": "idle", "type": "initial"},
        {"name": "waiting"},
        {"name": "slow"},
        {"name": "fired", "type": "terminal"},
        {"name": "cancelled", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "start", "source": "idle", "dest": "waiting"},
        {"trigger": "start_slow", "source": "idle", "dest": "slow"},
        {"after": "100ms", "source": "waiting", "dest": "fired"},
        {"after": "1h", "source": "slow", "dest": "fired"},
        {"trigger": "cancel", "source": ["waiting", "slow"], "dest": "cancelled"},
    ],
}
SLOW_TASK = "timer/redis_timed/{entity}/v1/slow%3Aafter%3A3600000"


async def eventually(
    condition: Callable[[], Awaitable[bool] | bool], what: str, timeout_s: float = 15
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        outcome = condition()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def machine() -> StateMachine:
    return StateMachine.from_dict(MACHINE)


@pytest.fixture
async def rig(redis_url: str, redis_prefix: str, machine: StateMachine) -> AsyncIterator[Orchestrator]:
    scheduler = RedisScheduler(redis_url, prefix=redis_prefix, poll_interval_ms=20)
    orchestrator = Orchestrator(machine, InMemoryStateStore(), scheduler=scheduler)
    yield orchestrator
    await orchestrator.close()


async def test_a_delayed_transition_fires_through_redis(rig: Orchestrator) -> None:
    store = rig.state_store
    await rig.async_process_event("e1", "start")
    [task] = await rig.scheduler.get_pending_tasks("e1")  # type: ignore[union-attr]
    assert task.task_id == "timer/redis_timed/e1/v1/waiting%3Aafter%3A100"
    assert TimerRef.from_task(task) == TimerRef(
        "redis_timed", "e1", "waiting", 1, "waiting:after:100", "__after__:waiting:100"
    )
    await eventually(lambda: store.get_state("e1") == "fired", "the delayed transition")
    assert store.get_state_versioned("e1") == ("fired", 2)
    record = store.get_transition("e1", 2)
    assert record is not None and record.idempotency_key == task.task_id


async def test_leaving_the_state_cancels_the_redis_timer(rig: Orchestrator) -> None:
    await rig.async_process_event("e2", "start_slow")
    assert [t.task_id for t in await rig.scheduler.get_pending_tasks("e2")] == [  # type: ignore[union-attr]
        SLOW_TASK.format(entity="e2")
    ]
    await rig.async_process_event("e2", "cancel")
    assert await rig.scheduler.get_pending_tasks("e2") == []  # type: ignore[union-attr]
    assert rig.state_store.get_state_versioned("e2") == ("cancelled", 2)


async def test_a_redelivered_or_stale_timer_applies_once(rig: Orchestrator) -> None:
    store = rig.state_store
    await rig.async_process_event("e3", "start_slow")
    [task] = await rig.scheduler.get_pending_tasks("e3")  # type: ignore[union-attr]
    await asyncio.gather(rig.fire_timer(task), rig.fire_timer(task))  # delivered twice at once
    await rig.fire_timer(task)  # and once more later
    assert store.get_state_versioned("e3") == ("fired", 2)
    assert len(store.history("e3")) == 2


async def test_timers_survive_a_restart_and_rebuild_rearms_lost_ones(
    redis_url: str, redis_prefix: str, machine: StateMachine
) -> None:
    store = InMemoryStateStore()
    first = Orchestrator(machine, store, scheduler=RedisScheduler(redis_url, prefix=redis_prefix))
    await first.async_process_event("kept", "start_slow")
    await first.close()
    # a process that committed and died before arming its timer: Redis never heard of this one
    await Orchestrator(machine, store).async_process_event("lost", "start_slow")

    scheduler = RedisScheduler(redis_url, prefix=redis_prefix)
    second = Orchestrator(machine, store, scheduler=scheduler)
    try:
        pending = {t.task_id for t in await scheduler.get_pending_tasks()}
        assert pending == {SLOW_TASK.format(entity="kept")}  # kept across the restart
        await second.rebuild_timers()
        tasks = await scheduler.get_pending_tasks()
        assert {t.task_id for t in tasks} == {
            SLOW_TASK.format(entity="kept"),
            SLOW_TASK.format(entity="lost"),
        }
    finally:
        await second.close()


async def test_two_replicas_fire_each_timer_once(
    redis_url: str, redis_prefix: str, machine: StateMachine
) -> None:
    store = InMemoryStateStore()
    replicas = [
        Orchestrator(
            machine, store, scheduler=RedisScheduler(redis_url, prefix=redis_prefix, poll_interval_ms=10)
        )
        for _ in range(2)
    ]
    try:
        await asyncio.gather(*(replicas[i % 2].async_process_event(f"r{i}", "start") for i in range(20)))
        for replica in replicas:
            await replica.start()
        entities = [f"r{i}" for i in range(20)]
        await eventually(
            lambda: all(store.get_state(e) == "fired" for e in entities), "every replica-armed timer to fire"
        )
        assert {store.get_state_versioned(e)[1] for e in entities} == {2}
        assert all(len(store.history(e)) == 2 for e in entities)
    finally:
        for replica in replicas:
            await replica.close()


def test_sync_process_event_arms_redis_timers_outside_an_event_loop(
    redis_url: str, redis_prefix: str, machine: StateMachine
) -> None:
    store = InMemoryStateStore()
    orchestrator = Orchestrator(machine, store, scheduler=RedisScheduler(redis_url, prefix=redis_prefix))
    assert orchestrator.process_event("sync", "start_slow").success
    orchestrator.close()

    async def pending() -> list[str]:
        async with RedisScheduler(redis_url, prefix=redis_prefix) as reader:
            return [t.task_id for t in await reader.get_pending_tasks("sync")]

    assert asyncio.run(pending()) == [SLOW_TASK.format(entity="sync")]

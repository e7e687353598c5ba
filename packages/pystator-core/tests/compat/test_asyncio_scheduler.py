"""Compat surface, section "AsyncioScheduler": the task API (schedule, cancel, get_task,
get_pending_tasks, cancel_for_entity, pending_count, close), sync and async callbacks, cancelling an
unknown or already-fired task. Time is a ``FakeClock``: nothing sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

import pystator
import pystator.scheduler
from pystator import Event, ScheduledTask, TaskStatus
from pystator.scheduler import AsyncioScheduler
from pystator.testing.clock import FakeClock


def test_importable_from_both_paths() -> None:
    assert pystator.AsyncioScheduler is pystator.scheduler.AsyncioScheduler
    assert pystator.ScheduledTask is pystator.scheduler.ScheduledTask
    assert pystator.TaskStatus is pystator.scheduler.TaskStatus


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def scheduler(clock: FakeClock) -> AsyncIterator[AsyncioScheduler]:
    scheduler = AsyncioScheduler(clock=clock)
    yield scheduler
    await scheduler.close()


async def test_schedule_and_fire_a_sync_callback(scheduler: AsyncioScheduler, clock: FakeClock) -> None:
    fired: list[ScheduledTask] = []
    task_id = await scheduler.schedule(500, fired.append, "order-1", "timeout", {"why": "test"})
    assert isinstance(task_id, str) and scheduler.pending_count == 1
    task = await scheduler.get_task(task_id)
    assert task is not None
    assert (task.task_id, task.entity_id, task.event, task.delay_ms) == (task_id, "order-1", "timeout", 500)
    assert task.status is TaskStatus.PENDING and task.fired_at is None
    assert task.fires_at - task.scheduled_at == timedelta(milliseconds=500)
    assert task.metadata == {"why": "test"}
    await clock.advance(499)
    assert fired == []
    await clock.advance(1)
    assert [t.task_id for t in fired] == [task_id]
    assert scheduler.pending_count == 0 and await scheduler.get_pending_tasks() == []
    done = await scheduler.get_task(task_id)
    assert done is not None and done.status is TaskStatus.FIRED and done.fired_at == clock.now()


async def test_async_callback_and_event_value(scheduler: AsyncioScheduler, clock: FakeClock) -> None:
    seen: list[str] = []

    async def callback(task: ScheduledTask) -> None:
        seen.append(task.trigger)

    event = Event("reminder", {"n": 1})
    await scheduler.schedule(10, callback, "order-1", event)
    await clock.advance(10)
    assert seen == ["reminder"]


async def test_cancel(scheduler: AsyncioScheduler, clock: FakeClock) -> None:
    fired: list[ScheduledTask] = []
    task_id = await scheduler.schedule(100, fired.append, "order-1", "timeout")
    assert await scheduler.cancel(task_id) is True
    assert scheduler.pending_count == 0
    cancelled = await scheduler.get_task(task_id)
    assert cancelled is not None and cancelled.status is TaskStatus.CANCELLED
    await clock.advance(200)
    assert fired == []
    assert await scheduler.cancel(task_id) is False


async def test_cancel_unknown_or_already_fired(scheduler: AsyncioScheduler, clock: FakeClock) -> None:
    assert await scheduler.cancel("no-such-task") is False
    assert await scheduler.get_task("no-such-task") is None
    task_id = await scheduler.schedule(5, lambda task: None, "order-1", "timeout")
    await clock.advance(5)
    assert await scheduler.cancel(task_id) is False


async def test_pending_tasks_and_cancel_for_entity(scheduler: AsyncioScheduler, clock: FakeClock) -> None:
    first = await scheduler.schedule(300, lambda task: None, "order-1", "a")
    second = await scheduler.schedule(100, lambda task: None, "order-1", "b")
    other = await scheduler.schedule(200, lambda task: None, "order-2", "c")
    assert [t.task_id for t in await scheduler.get_pending_tasks()] == [second, other, first]
    assert [t.task_id for t in await scheduler.get_pending_tasks("order-1")] == [second, first]
    assert await scheduler.get_pending_tasks("order-3") == []
    assert await scheduler.cancel_for_entity("order-1") == 2
    assert await scheduler.cancel_for_entity("order-1") == 0
    assert scheduler.pending_count == 1
    assert [t.task_id for t in await scheduler.get_pending_tasks()] == [other]


async def test_close_cancels_everything(clock: FakeClock) -> None:
    scheduler = AsyncioScheduler(clock=clock)
    fired: list[ScheduledTask] = []
    task_id = await scheduler.schedule(50, fired.append, "order-1", "timeout")
    await scheduler.close()
    assert scheduler.pending_count == 0
    await clock.advance(100)
    assert fired == []
    task = await scheduler.get_task(task_id)
    assert task is not None and task.status is TaskStatus.CANCELLED


async def test_bad_arguments_name_the_field(scheduler: AsyncioScheduler) -> None:
    with pytest.raises((ValueError, TypeError), match="delay_ms"):
        await scheduler.schedule(-1, lambda task: None, "order-1", "timeout")
    with pytest.raises((ValueError, TypeError), match="entity_id"):
        await scheduler.schedule(1, lambda task: None, "", "timeout")

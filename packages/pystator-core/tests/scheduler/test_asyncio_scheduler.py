"""``AsyncioScheduler`` beyond the shared suite: the compat surface, close, retention, handlers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from pystator import Scheduler, SchedulerError
from pystator.scheduler import AsyncioScheduler, RetryPolicy, ScheduledTask, TaskStatus
from pystator.testing.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_it_satisfies_the_scheduler_protocol(clock: FakeClock) -> None:
    scheduler = AsyncioScheduler(clock=clock)
    assert isinstance(scheduler, Scheduler)
    await scheduler.close()


async def test_default_construction_runs_on_the_system_clock() -> None:
    fired = asyncio.Event()
    seen: list[ScheduledTask] = []

    def on_fire(task: ScheduledTask) -> None:
        seen.append(task)
        fired.set()

    async with AsyncioScheduler() as scheduler:
        task_id = await scheduler.schedule(1, on_fire, "entity-1", "tick")
        await asyncio.wait_for(fired.wait(), timeout=5)
        assert [t.task_id for t in seen] == [task_id]
        assert scheduler.pending_count == 0


async def test_pending_count_property_follows_schedule_cancel_and_fire(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock) as scheduler:
        fired: list[str] = []
        a = await scheduler.schedule(100, lambda t: fired.append(t.task_id), "e", "t")
        b = await scheduler.schedule(200, lambda t: fired.append(t.task_id), "e", "t")
        assert scheduler.pending_count == 2
        await scheduler.cancel(b)
        assert scheduler.pending_count == 1
        await clock.advance(100)
        assert fired == [a]
        assert scheduler.pending_count == 0


async def test_close_cancels_every_pending_timer(clock: FakeClock) -> None:
    scheduler = AsyncioScheduler(clock=clock)
    fired: list[str] = []
    ids = [
        await scheduler.schedule(50 * (i + 1), lambda t: fired.append(t.task_id), "e", "t") for i in range(3)
    ]
    await scheduler.close()
    assert scheduler.pending_count == 0
    for task_id in ids:
        task = await scheduler.get_task(task_id)
        assert task is not None
        assert task.status is TaskStatus.CANCELLED
    await clock.advance(1000)
    assert fired == []
    assert clock.armed == 0
    with pytest.raises(SchedulerError):
        await scheduler.start()


async def test_close_lets_a_running_callback_finish_within_the_grace_period(clock: FakeClock) -> None:
    release = asyncio.Event()
    finished: list[str] = []

    async def slow(task: ScheduledTask) -> None:
        await release.wait()
        finished.append(task.task_id)

    scheduler = AsyncioScheduler(clock=clock, shutdown_grace_s=5)
    task_id = await scheduler.schedule(0, slow, "e", "t")
    advancing = asyncio.ensure_future(clock.advance(0))
    await asyncio.sleep(0)
    closing = asyncio.ensure_future(scheduler.close())
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(advancing, closing)
    assert finished == [task_id]
    task = await scheduler.get_task(task_id)
    assert task is not None
    assert task.status is TaskStatus.FIRED


async def test_close_cancels_a_callback_that_outlives_the_grace_period(clock: FakeClock) -> None:
    never = asyncio.Event()

    async def stuck(task: ScheduledTask) -> None:
        await never.wait()

    scheduler = AsyncioScheduler(clock=clock, shutdown_grace_s=0.01)
    task_id = await scheduler.schedule(0, stuck, "e", "t")
    advancing = asyncio.ensure_future(clock.advance(0))
    await asyncio.sleep(0)
    await scheduler.close()
    with pytest.raises(asyncio.CancelledError):
        await advancing
    task = await scheduler.get_task(task_id)
    assert task is not None
    assert task.status is TaskStatus.CANCELLED
    assert (await scheduler.metrics()).cancelled == 1


async def test_a_firing_timer_cannot_be_cancelled_and_is_in_flight(clock: FakeClock) -> None:
    release = asyncio.Event()
    seen: list[TaskStatus] = []

    async def slow(task: ScheduledTask) -> None:
        seen.append(task.status)
        await release.wait()

    async with AsyncioScheduler(clock=clock) as scheduler:
        task_id = await scheduler.schedule(10, slow, "e", "t")
        advancing = asyncio.ensure_future(clock.advance(10))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert seen == [TaskStatus.FIRING]
        assert await scheduler.cancel(task_id) is False
        assert await scheduler.cancel_for_entity("e") == 0
        metrics = await scheduler.metrics()
        assert (metrics.pending, metrics.in_flight) == (0, 1)
        release.set()
        await advancing
        assert (await scheduler.metrics()).in_flight == 0


async def test_named_handlers_can_be_scheduled_by_name(clock: FakeClock) -> None:
    fired: list[str] = []

    def on_timer(task: ScheduledTask) -> None:
        fired.append(task.trigger)

    async with AsyncioScheduler(clock=clock) as scheduler:
        scheduler.register_handler("orchestrator:orders", on_timer)
        by_name = await scheduler.schedule(10, "orchestrator:orders", "e", "by_name")
        by_callable = await scheduler.schedule(10, on_timer, "e", "by_callable")
        for task_id in (by_name, by_callable):
            task = await scheduler.get_task(task_id)
            assert task is not None
            assert task.handler == "orchestrator:orders"
        await clock.advance(10)
        assert fired == ["by_name", "by_callable"]


async def test_unnamed_callables_need_no_registration(clock: FakeClock) -> None:
    class Owner:
        def __init__(self) -> None:
            self.fired: list[str] = []

        async def on_timer(self, task: ScheduledTask) -> None:
            self.fired.append(task.task_id)

    first, second = Owner(), Owner()
    async with AsyncioScheduler(clock=clock) as scheduler:
        a = await scheduler.schedule(5, first.on_timer, "e", "t")
        b = await scheduler.schedule(5, second.on_timer, "e", "t")
        await clock.advance(5)
    assert (first.fired, second.fired) == ([a], [b])


async def test_timers_due_together_fire_in_scheduling_order(clock: FakeClock) -> None:
    fired: list[int] = []
    async with AsyncioScheduler(clock=clock) as scheduler:
        for i in range(20):
            await scheduler.schedule(30, lambda t: fired.append(t.metadata["i"]), f"e{i}", "t", {"i": i})
        await clock.advance(30)
    assert fired == list(range(20))


async def test_finished_tasks_are_kept_up_to_the_retention(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock, retention=2) as scheduler:
        ids = [await scheduler.schedule(1, lambda t: None, "e", "t") for _ in range(3)]
        await clock.advance(1)
        assert await scheduler.get_task(ids[0]) is None
        assert [(await scheduler.get_task(i)).status for i in ids[1:]] == [TaskStatus.FIRED] * 2  # type: ignore[union-attr]


async def test_fired_at_and_fires_at_follow_the_clock(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock) as scheduler:
        task_id = await scheduler.schedule(1500, lambda t: None, "e", "t")
        task = await scheduler.get_task(task_id)
        assert task is not None
        assert task.scheduled_at == clock.now()
        assert task.fires_at == clock.now() + timedelta(milliseconds=1500)
        await clock.advance(1500)
        fired = await scheduler.get_task(task_id)
        assert fired is not None
        assert fired.fired_at == task.fires_at


async def test_lag_and_overdue_are_measured_on_the_clock(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock) as scheduler:
        await scheduler.schedule(10, lambda t: None, "e", "t")
        await clock.advance(10)
        metrics = await scheduler.metrics()
        assert (metrics.lag_p50_ms, metrics.lag_p99_ms, metrics.overdue_ms) == (0.0, 0.0, 0.0)


async def test_a_failure_is_logged_with_the_timer(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    def broken(task: ScheduledTask) -> None:
        raise KeyError("boom")

    async with AsyncioScheduler(clock=clock, retry=RetryPolicy(max_attempts=1)) as scheduler:
        with caplog.at_level(logging.ERROR, logger="pystator.scheduler"):
            task_id = await scheduler.schedule(1, broken, "entity-7", "t")
            await clock.advance(1)
    assert task_id in caplog.text
    assert "entity-7" in caplog.text
    assert "giving up" in caplog.text


async def test_retries_back_off_exponentially(clock: FakeClock) -> None:
    attempts_at: list[float] = []

    def flaky(task: ScheduledTask) -> None:
        attempts_at.append(clock.monotonic())
        if task.attempts < 4:
            raise RuntimeError("not yet")

    policy = RetryPolicy(max_attempts=4, backoff_ms=100, max_backoff_ms=250)
    async with AsyncioScheduler(clock=clock, retry=policy) as scheduler:
        task_id = await scheduler.schedule(0, flaky, "e", "t")
        await clock.run_all()
        task = await scheduler.get_task(task_id)
        assert task is not None
        assert (task.status, task.attempts) == (TaskStatus.FIRED, 4)
    assert attempts_at == pytest.approx([0.0, 0.1, 0.3, 0.55])


async def test_retention_must_be_a_non_negative_integer() -> None:
    with pytest.raises(ValueError, match="retention"):
        AsyncioScheduler(retention=-1)


async def test_a_non_callable_callback_is_a_type_error(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock) as scheduler:
        with pytest.raises(TypeError, match="callback"):
            await scheduler.schedule(1, 42, "e", "t")  # type: ignore[arg-type]


async def test_an_unregistered_handler_name_is_refused(clock: FakeClock) -> None:
    async with AsyncioScheduler(clock=clock) as scheduler:
        with pytest.raises(ValueError, match="no handler is registered under the name 'nobody'"):
            await scheduler.schedule(1, "nobody", "e", "t")

"""Delayed transitions and state timeouts through the Orchestrator, driven by a FakeClock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pystator import FSMError, GuardRegistry, InMemoryStateStore, Orchestrator, StateMachine
from pystator.scheduler import AsyncioScheduler, TimerRef
from pystator.testing.clock import FakeClock


class Rig:
    def __init__(self, config: dict[str, Any], *, remind: bool = True) -> None:
        self.clock = FakeClock()
        self.store = InMemoryStateStore(clock=self.clock.now)
        self.scheduler = AsyncioScheduler(clock=self.clock)
        self.machine = StateMachine.from_dict(config)
        self.remind = remind
        guards = GuardRegistry()
        guards.register("may_remind", lambda ctx: self.remind)
        self.orchestrator = Orchestrator(self.machine, self.store, guards, scheduler=self.scheduler)

    async def pending(self, entity_id: str) -> list[str]:
        return sorted(task.task_id for task in await self.scheduler.get_pending_tasks(entity_id))


@pytest.fixture
async def timed(configs: Any) -> Any:
    rig = Rig(configs.timed)
    yield rig
    await rig.orchestrator.close()


async def test_readme_delayed_transition_fires_after_the_delay(timed: Rig) -> None:
    await timed.orchestrator.async_process_event("entity-1", "start", {})
    assert await timed.pending("entity-1") == ["timer/timed/entity-1/v1/waiting%3Aafter%3A2000"]
    await timed.clock.advance(1999)
    assert timed.store.get_state("entity-1") == "waiting"
    await timed.clock.advance(501)  # 2.5 s in all, as in the README
    assert timed.store.get_state_versioned("entity-1") == ("reminded", 2)
    record = timed.store.get_transition("entity-1", 2)
    assert record is not None
    assert record.idempotency_key == "timer/timed/entity-1/v1/waiting%3Aafter%3A2000"
    # entering "reminded" armed its timeout
    assert await timed.pending("entity-1") == ["timer/timed/entity-1/v2/reminded%3Atimeout"]
    await timed.clock.advance(5000)
    assert timed.store.get_state_versioned("entity-1") == ("expired", 3)
    assert await timed.pending("entity-1") == []


async def test_leaving_the_state_cancels_its_timer(timed: Rig) -> None:
    await timed.orchestrator.async_process_event("e", "start")
    await timed.orchestrator.async_process_event("e", "finish")
    assert await timed.pending("e") == []
    await timed.clock.advance(10_000)
    assert timed.store.get_state_versioned("e") == ("done", 2)


async def test_guards_are_evaluated_when_the_timer_fires(timed: Rig) -> None:
    timed.remind = False
    await timed.orchestrator.async_process_event("e", "start")
    await timed.clock.advance(2000)
    assert timed.store.get_state_versioned("e") == ("waiting", 1)


async def test_a_timer_delivered_twice_applies_once_and_a_stale_one_changes_nothing(timed: Rig) -> None:
    await timed.orchestrator.async_process_event("e", "start")
    [task] = await timed.scheduler.get_pending_tasks("e")
    await timed.orchestrator.fire_timer(task)
    await timed.orchestrator.fire_timer(task)  # the same delivery again (at-least-once delivery)
    assert timed.store.get_state_versioned("e") == ("reminded", 2)
    await timed.orchestrator.async_process_event("e", "again")  # back to waiting at version 3
    await timed.orchestrator.fire_timer(task)  # the v1 timer once more: stale, dropped
    assert timed.store.get_state_versioned("e") == ("waiting", 3)
    assert len(timed.store.history("e")) == 3
    await timed.clock.advance(2000)  # the v3 timer fires normally
    assert timed.store.get_state_versioned("e") == ("reminded", 4)


async def test_rebuild_timers_rearms_from_persisted_state(configs: Any) -> None:
    first = Rig(configs.timed)
    await first.orchestrator.async_process_event("a", "start")
    await first.orchestrator.async_process_event("b", "start")
    await first.orchestrator.async_process_event("c", "start")
    await first.orchestrator.async_process_event("c", "finish")
    await first.clock.advance(500)
    await first.orchestrator.close()  # the process "exits": its in-memory timers are gone

    scheduler = AsyncioScheduler(clock=first.clock)
    guards = GuardRegistry()
    guards.register("may_remind", lambda ctx: True)
    restarted = Orchestrator(first.machine, first.store, guards, scheduler=scheduler)
    assert await restarted.rebuild_timers() == 2
    assert await restarted.rebuild_timers() == 2  # arming again is a no-op for the scheduler
    tasks = await scheduler.get_pending_tasks()
    assert sorted(t.task_id for t in tasks) == [
        "timer/timed/a/v1/waiting%3Aafter%3A2000",
        "timer/timed/b/v1/waiting%3Aafter%3A2000",
    ]
    assert {t.delay_ms for t in tasks} == {1500}  # the time they had left
    await first.clock.advance(1500)
    assert first.store.get_state("a") == first.store.get_state("b") == "reminded"
    assert first.store.get_state("c") == "done"
    await restarted.close()


async def test_a_parent_timeout_survives_moves_between_its_children(configs: Any) -> None:
    rig = Rig(configs.nested)
    await rig.orchestrator.async_process_event("s", "open")
    assert rig.store.get_state("s") == "step_a"
    await rig.clock.advance(4000)
    await rig.orchestrator.async_process_event("s", "next")
    await rig.clock.advance(3000)
    await rig.orchestrator.async_process_event("s", "back")
    assert await rig.pending("s") == ["timer/nested/s/v3/session%3Atimeout"]
    await rig.clock.advance(2999)
    assert rig.store.get_state("s") == "step_a"
    await rig.clock.advance(1)  # 10 s after entering the session
    assert rig.store.get_state_versioned("s") == ("closed", 4)
    await rig.orchestrator.close()


async def test_sync_process_event_inside_a_running_loop_arms_timers(timed: Rig) -> None:
    timed.orchestrator.process_event("e", "start")
    await timed.clock.advance(0)
    assert await timed.pending("e") == ["timer/timed/e/v1/waiting%3Aafter%3A2000"]


def test_sync_process_event_without_a_loop_refuses_asyncio_timers_before_writing(configs: Any) -> None:
    rig = Rig(configs.timed)
    with pytest.raises(FSMError, match="running event loop"):
        rig.orchestrator.process_event("e", "start")
    assert rig.store.get_state("e") is None


async def test_timer_references_of_other_machines_are_ignored(timed: Rig) -> None:
    await timed.orchestrator.async_process_event("e", "start")
    [task] = await timed.scheduler.get_pending_tasks("e")
    other = TimerRef("another", "e", "waiting", 1, "waiting:after:2000", "__after__:waiting:2000")
    await timed.orchestrator.fire_timer(replace(task, metadata=other.to_metadata()))
    await timed.orchestrator.fire_timer(replace(task, metadata={}))
    assert timed.store.get_state_versioned("e") == ("waiting", 1)


async def test_await_close_shuts_the_scheduler_down(timed: Rig) -> None:
    await timed.orchestrator.async_process_event("e", "start")
    await timed.orchestrator.close()
    assert timed.scheduler.pending_count == 0
    with pytest.raises(FSMError, match="closed"):
        await timed.orchestrator.async_process_event("e", "finish")

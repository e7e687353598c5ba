"""The conformance suite every ``Scheduler`` passes (needs pytest and pytest-asyncio).

Subclass ``SchedulerConformance`` in a test module named ``Test...`` and provide two fixtures:

- ``scheduler``: a fresh scheduler for each test, built with ``self.retry_policy()`` and, when the
  class overrides the ``clock`` fixture with a ``FakeClock``, with that clock; closed afterwards.
- ``recorder``: a ``FireRecorder`` whose callbacks record each delivery (``MemoryRecorder`` for a
  scheduler that fires in this process; a backend that fires elsewhere, such as a Celery worker,
  registers ``record_fire`` there under the recorder's handler names and reads the records back).

Backends that run on real time leave ``clock`` as None and set ``unit_ms`` large enough that their
scheduling jitter is small against it; tests then wait for conditions with a deadline, never for a
fixed time. With a fake clock every wait is exact.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest

from pystator.clock import Clock
from pystator.errors import SchedulerError
from pystator.event import Event
from pystator.scheduler.protocol import ScheduledTask, Scheduler, TaskStatus, TimerCallback
from pystator.scheduler.retry import RetryPolicy
from pystator.scheduler.timer_request import decode_event, encode_event
from pystator.testing.clock import FakeClock

__all__ = [
    "FAIL_ATTEMPTS_KEY",
    "FireRecorder",
    "MemoryRecorder",
    "RecordedFire",
    "SchedulerConformance",
    "record_fire",
]

FAIL_ATTEMPTS_KEY = "conformance_fail_attempts"
"""Metadata key: the recording callbacks raise on every attempt up to and including this number."""


@dataclass(frozen=True, slots=True)
class RecordedFire:
    """One successful delivery as a recording callback saw it."""

    task_id: str
    entity_id: str
    event: str | Event
    metadata: dict[str, Any]
    attempts: int
    at: datetime

    @property
    def trigger(self) -> str:
        return self.event.trigger if isinstance(self.event, Event) else self.event

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "entity_id": self.entity_id,
            "event": encode_event(self.event),
            "metadata": self.metadata,
            "attempts": self.attempts,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedFire:
        return cls(
            task_id=data["task_id"],
            entity_id=data["entity_id"],
            event=decode_event(data["event"]),
            metadata=dict(data["metadata"]),
            attempts=int(data["attempts"]),
            at=datetime.fromisoformat(data["at"]),
        )


def record_fire(task: ScheduledTask, at: datetime | None = None) -> RecordedFire:
    """What a recording callback does: fail as planned by the task's metadata, else describe it."""
    planned_failures = int(task.metadata.get(FAIL_ATTEMPTS_KEY, 0))
    if task.attempts <= planned_failures:
        raise RuntimeError(f"conformance: planned failure on attempt {task.attempts}")
    return RecordedFire(
        task_id=task.task_id,
        entity_id=task.entity_id,
        event=task.event,
        metadata=dict(task.metadata),
        attempts=task.attempts,
        at=at if at is not None else datetime.now(UTC),
    )


class FireRecorder(Protocol):
    """Callbacks for the suite to schedule, and the deliveries they recorded so far."""

    @property
    def callback(self) -> TimerCallback | str:
        """An async callback (or the name of one registered where timers fire)."""
        ...

    @property
    def sync_callback(self) -> TimerCallback | str:
        """A plain (sync) callback (or its name)."""
        ...

    async def fires(self) -> list[RecordedFire]: ...


class MemoryRecorder:
    """Records deliveries in this process; times come from ``clock`` (the system clock by default)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self._fires: list[RecordedFire] = []

    def _now(self) -> datetime:
        return self._clock.now() if self._clock is not None else datetime.now(UTC)

    def _record(self, task: ScheduledTask) -> None:
        self._fires.append(record_fire(task, self._now()))

    async def _record_async(self, task: ScheduledTask) -> None:
        await asyncio.sleep(0)
        self._record(task)

    @property
    def callback(self) -> TimerCallback:
        return self._record_async

    @property
    def sync_callback(self) -> TimerCallback:
        return self._record

    async def fires(self) -> list[RecordedFire]:
        return list(self._fires)


class SchedulerConformance:
    """Behaviour every scheduler shares. See the module docstring for how to subclass it."""

    unit_ms: int = 1000
    """The time unit of the tests' delays, in milliseconds."""

    timeout_s: float = 15.0
    """Real-time backends: how long a wait may take before the test fails."""

    early_tolerance_ms: float = 2.0
    """Real-time backends: how much earlier than ``fires_at`` a fire may be observed (clock reads)."""

    def retry_policy(self) -> RetryPolicy:
        """The policy the ``scheduler`` fixture must use: two attempts, one unit apart."""
        return RetryPolicy(max_attempts=2, backoff_ms=self.unit_ms, max_backoff_ms=self.unit_ms)

    @pytest.fixture
    def clock(self) -> FakeClock | None:
        return None

    @pytest.fixture
    async def scheduler(self, clock: FakeClock | None) -> Scheduler:
        """Override with a fixture that yields a fresh scheduler and closes it afterwards."""
        raise NotImplementedError("a SchedulerConformance subclass provides the `scheduler` fixture")

    @pytest.fixture
    def recorder(self, clock: FakeClock | None) -> FireRecorder:
        raise NotImplementedError("a SchedulerConformance subclass provides the `recorder` fixture")

    # ---------------------------------------------------------------- time control

    async def advance(self, clock: FakeClock | None, ms: float) -> None:
        """Let ``ms`` of scheduler time pass: exactly with a fake clock; real time passes by itself."""
        if clock is not None:
            await clock.advance(ms)

    async def eventually(
        self, clock: FakeClock | None, condition: Callable[[], Awaitable[bool]], what: str
    ) -> None:
        """Fake clock: ``condition`` must hold now. Real time: poll it until ``timeout_s``."""
        if clock is not None:
            assert await condition(), f"expected {what} by now"
            return
        deadline = time.monotonic() + self.timeout_s
        while not await condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {self.timeout_s} s waiting for {what}")
            await asyncio.sleep(0.01)

    async def fires_of(self, recorder: FireRecorder, task_id: str) -> list[RecordedFire]:
        return [fire for fire in await recorder.fires() if fire.task_id == task_id]

    async def wait_fired(self, clock: FakeClock | None, recorder: FireRecorder, *task_ids: str) -> None:
        async def all_fired() -> bool:
            fired = {fire.task_id for fire in await recorder.fires()}
            return all(task_id in fired for task_id in task_ids)

        await self.eventually(clock, all_fired, f"timers {task_ids} to fire")

    async def wait_status(
        self, clock: FakeClock | None, scheduler: Scheduler, task_id: str, status: TaskStatus
    ) -> ScheduledTask:
        async def reached() -> bool:
            task = await scheduler.get_task(task_id)
            return task is not None and task.status is status

        await self.eventually(clock, reached, f"task {task_id} to be {status}")
        task = await scheduler.get_task(task_id)
        assert task is not None
        return task

    async def drain(self, clock: FakeClock | None, scheduler: Scheduler, recorder: FireRecorder) -> None:
        """Fire a sentinel timer one unit from now and wait for it: what was due before has fired."""
        sentinel = await scheduler.schedule(self.unit_ms, recorder.callback, "sentinel", "sentinel")
        await self.advance(clock, self.unit_ms)
        await self.wait_fired(clock, recorder, sentinel)

    # ---------------------------------------------------------------- the suite

    async def test_fires_once_after_its_delay(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        task_id = await scheduler.schedule(
            2 * unit, recorder.callback, "entity-1", "tick", {"k": [1, "x"], "n": None}
        )
        await self.advance(clock, 2 * unit - 1)
        assert await recorder.fires() == []
        await self.advance(clock, 1)
        await self.wait_fired(clock, recorder, task_id)

        [fire] = await recorder.fires()
        assert (fire.task_id, fire.entity_id, fire.trigger) == (task_id, "entity-1", "tick")
        assert fire.metadata == {"k": [1, "x"], "n": None}
        assert fire.attempts == 1
        task = await self.wait_status(clock, scheduler, task_id, TaskStatus.FIRED)
        assert task.fired_at is not None
        assert fire.at >= task.fires_at - timedelta(milliseconds=self.early_tolerance_ms)
        assert task.fired_at >= task.fires_at - timedelta(milliseconds=self.early_tolerance_ms)
        assert await scheduler.get_pending_tasks() == []
        assert await scheduler.count_pending() == 0

        await self.drain(clock, scheduler, recorder)
        assert len(await self.fires_of(recorder, task_id)) == 1

    async def test_zero_delay_fires_promptly(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        task_id = await scheduler.schedule(0, recorder.callback, "entity-1", "now")
        await self.advance(clock, 0)
        await self.wait_fired(clock, recorder, task_id)

    async def test_sync_callbacks_are_supported(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        task_id = await scheduler.schedule(self.unit_ms, recorder.sync_callback, "entity-1", "tick")
        await self.advance(clock, self.unit_ms)
        await self.wait_fired(clock, recorder, task_id)

    async def test_a_caller_task_id_makes_scheduling_idempotent(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        first = await scheduler.schedule(unit, recorder.callback, "entity-1", "tick", task_id="timer-1")
        again = await scheduler.schedule(3 * unit, recorder.callback, "entity-1", "tock", task_id="timer-1")
        assert first == again == "timer-1"
        [pending] = await scheduler.get_pending_tasks()
        assert (pending.task_id, pending.trigger, pending.delay_ms) == ("timer-1", "tick", unit)

        await self.advance(clock, unit)
        await self.wait_fired(clock, recorder, "timer-1")
        await self.wait_status(clock, scheduler, "timer-1", TaskStatus.FIRED)
        # A fired id scheduled again (a retry after a crash, a rebuild) does not fire again.
        assert await scheduler.schedule(0, recorder.callback, "entity-1", "tick", task_id="timer-1") == (
            "timer-1"
        )
        assert await scheduler.get_pending_tasks() == []
        await self.drain(clock, scheduler, recorder)
        assert len(await self.fires_of(recorder, "timer-1")) == 1

    async def test_generated_task_ids_are_unique(self, scheduler: Scheduler, recorder: FireRecorder) -> None:
        ids = [await scheduler.schedule(self.unit_ms * 50, recorder.callback, "e", "t") for _ in range(50)]
        assert len(set(ids)) == 50
        assert await scheduler.count_pending() == 50

    async def test_cancel_stops_a_pending_timer(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        kept = await scheduler.schedule(unit, recorder.callback, "entity-1", "tick")
        dropped = await scheduler.schedule(unit, recorder.callback, "entity-2", "tick")
        assert await scheduler.cancel(dropped) is True
        assert await scheduler.cancel(dropped) is False
        cancelled = await scheduler.get_task(dropped)
        assert cancelled is not None
        assert cancelled.status is TaskStatus.CANCELLED
        assert [t.task_id for t in await scheduler.get_pending_tasks()] == [kept]

        await self.advance(clock, unit)
        await self.wait_fired(clock, recorder, kept)
        await self.drain(clock, scheduler, recorder)
        assert await self.fires_of(recorder, dropped) == []

    async def test_cancel_of_unknown_or_fired_timer_is_false(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        assert await scheduler.cancel("no-such-timer") is False
        assert await scheduler.get_task("no-such-timer") is None
        task_id = await scheduler.schedule(self.unit_ms, recorder.callback, "entity-1", "tick")
        await self.advance(clock, self.unit_ms)
        await self.wait_status(clock, scheduler, task_id, TaskStatus.FIRED)
        assert await scheduler.cancel(task_id) is False

    async def test_pending_tasks_by_entity_earliest_first(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        # Units apart, so that real-time backends' jitter cannot fire b before a's checks are done.
        units = {"a": 1, "b": 4, "c": 6}
        c = await scheduler.schedule(6 * unit, recorder.callback, "entity-1", "c", {"units": 6})
        a = await scheduler.schedule(unit, recorder.callback, "entity-1", "a", {"units": 1})
        b = await scheduler.schedule(4 * unit, recorder.callback, "entity-2", "b", {"units": 4})

        assert [t.task_id for t in await scheduler.get_pending_tasks("entity-1")] == [a, c]
        assert [t.task_id for t in await scheduler.get_pending_tasks()] == [a, b, c]
        assert await scheduler.get_pending_tasks("entity-9") == []
        assert await scheduler.count_pending() == 3
        for task in await scheduler.get_pending_tasks():
            assert task.status is TaskStatus.PENDING
            assert task.is_pending
            assert task.fired_at is None
            assert task.fires_at - task.scheduled_at == timedelta(milliseconds=task.delay_ms)
            assert task.scheduled_at.tzinfo is not None
            assert task.metadata == {"units": units[task.trigger]}
            assert task.delay_ms == unit * units[task.trigger]

        await self.advance(clock, unit)
        await self.wait_fired(clock, recorder, a)
        await self.wait_status(clock, scheduler, a, TaskStatus.FIRED)
        assert [t.task_id for t in await scheduler.get_pending_tasks("entity-1")] == [c]
        assert await scheduler.count_pending() == 2

    async def test_cancel_for_entity_cancels_only_that_entity(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        gone = [
            await scheduler.schedule(unit * (i + 1), recorder.callback, "entity-1", "t") for i in range(2)
        ]
        kept = await scheduler.schedule(unit, recorder.callback, "entity-2", "t")
        assert await scheduler.cancel_for_entity("entity-1") == 2
        assert await scheduler.cancel_for_entity("entity-1") == 0
        assert await scheduler.get_pending_tasks("entity-1") == []

        await self.advance(clock, 2 * unit)
        await self.wait_fired(clock, recorder, kept)
        await self.drain(clock, scheduler, recorder)
        fired = {fire.task_id for fire in await recorder.fires()}
        assert fired.isdisjoint(gone)

    async def test_an_event_comes_back_intact(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        event = Event(trigger="timeout", payload={"reason": "idle", "n": 2}, source="timer")
        task_id = await scheduler.schedule(self.unit_ms, recorder.callback, "entity-1", event)
        await self.advance(clock, self.unit_ms)
        await self.wait_fired(clock, recorder, task_id)
        [fire] = await self.fires_of(recorder, task_id)
        assert fire.event == event
        assert fire.trigger == "timeout"

    async def test_timers_fire_in_due_order(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        ids = {}
        for trigger, units in (("c", 5), ("a", 1), ("b", 3)):
            ids[trigger] = await scheduler.schedule(units * unit, recorder.callback, f"e-{trigger}", trigger)
        await self.advance(clock, 5 * unit)
        await self.wait_fired(clock, recorder, *ids.values())
        assert [fire.trigger for fire in await recorder.fires()] == ["a", "b", "c"]

    async def test_a_failing_callback_is_retried(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        task_id = await scheduler.schedule(
            unit, recorder.callback, "entity-1", "tick", {FAIL_ATTEMPTS_KEY: 1}
        )
        await self.advance(clock, unit)

        async def first_attempt_failed() -> bool:
            task = await scheduler.get_task(task_id)
            return task is not None and task.attempts >= 1 and task.error is not None

        await self.eventually(clock, first_attempt_failed, "the first attempt to fail")
        await self.advance(clock, unit)
        await self.wait_fired(clock, recorder, task_id)
        [fire] = await self.fires_of(recorder, task_id)
        assert fire.attempts == 2
        task = await self.wait_status(clock, scheduler, task_id, TaskStatus.FIRED)
        assert task.error is not None
        assert "planned failure" in task.error
        assert (await scheduler.metrics()).retried >= 1

    async def test_a_callback_failing_every_attempt_ends_failed(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        doomed = await scheduler.schedule(
            unit, recorder.callback, "entity-1", "tick", {FAIL_ATTEMPTS_KEY: 99}
        )
        healthy = await scheduler.schedule(unit, recorder.callback, "entity-2", "tick")
        await self.advance(clock, unit)
        await self.wait_fired(clock, recorder, healthy)
        await self.advance(clock, unit)
        task = await self.wait_status(clock, scheduler, doomed, TaskStatus.FAILED)
        assert task.attempts == self.retry_policy().max_attempts
        assert task.error is not None
        assert "planned failure" in task.error
        assert await self.fires_of(recorder, doomed) == []
        assert await scheduler.cancel(doomed) is False
        assert (await scheduler.metrics()).failed == 1

    async def test_metrics_count_what_happened(
        self, scheduler: Scheduler, recorder: FireRecorder, clock: FakeClock | None
    ) -> None:
        unit = self.unit_ms
        fired = await scheduler.schedule(unit, recorder.callback, "entity-1", "t")
        cancelled = await scheduler.schedule(unit, recorder.callback, "entity-2", "t")
        await scheduler.schedule(10 * unit, recorder.callback, "entity-3", "t")
        assert (await scheduler.metrics()).pending == 3
        await scheduler.cancel(cancelled)
        await self.advance(clock, unit)
        await self.wait_status(clock, scheduler, fired, TaskStatus.FIRED)
        metrics = await scheduler.metrics()
        assert (metrics.pending, metrics.in_flight, metrics.fired, metrics.cancelled, metrics.failed) == (
            1,
            0,
            1,
            1,
            0,
        )
        assert metrics.lag_p50_ms is not None
        assert metrics.lag_p99_ms is not None
        assert 0 <= metrics.lag_p50_ms <= metrics.lag_p99_ms
        assert metrics.overdue_ms == 0

    async def test_invalid_arguments_name_the_field(
        self, scheduler: Scheduler, recorder: FireRecorder
    ) -> None:
        cb = recorder.callback
        with pytest.raises(ValueError, match="delay_ms"):
            await scheduler.schedule(-1, cb, "entity-1", "tick")
        with pytest.raises(TypeError, match="delay_ms"):
            await scheduler.schedule("5s", cb, "entity-1", "tick")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="entity_id"):
            await scheduler.schedule(10, cb, "", "tick")
        with pytest.raises(TypeError, match="event"):
            await scheduler.schedule(10, cb, "entity-1", 5)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="metadata"):
            await scheduler.schedule(10, cb, "entity-1", "tick", {"when": object()})
        with pytest.raises(ValueError, match="callback"):
            await scheduler.schedule(10, "", "entity-1", "tick")
        with pytest.raises(TypeError, match="callback"):
            await scheduler.schedule(10, 42, "entity-1", "tick")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="task_id"):
            await scheduler.schedule(10, cb, "entity-1", "tick", task_id="")
        assert await scheduler.count_pending() == 0

    async def test_a_closed_scheduler_refuses_new_timers(
        self, scheduler: Scheduler, recorder: FireRecorder
    ) -> None:
        await scheduler.close()
        with pytest.raises(SchedulerError, match="closed"):
            await scheduler.schedule(10, recorder.callback, "entity-1", "tick")
        await scheduler.close()  # closing twice is harmless

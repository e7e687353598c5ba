"""``AsyncioScheduler``: timers in this process's event loop, for one process and development.

Timers live in memory: they are lost when the process exits (the Orchestrator re-arms them from
persisted state at start-up). Waiting goes through a ``Clock``, so tests drive it with
``pystator.testing.clock.FakeClock`` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from types import TracebackType
from typing import Any

from pystator.clock import Cancellable, Clock, SystemClock
from pystator.errors import SchedulerError
from pystator.event import TriggerLike
from pystator.scheduler.handlers import HandlerRegistry, callable_name
from pystator.scheduler.lag import LagWindow
from pystator.scheduler.protocol import ScheduledTask, SchedulerMetrics, TaskStatus, TimerCallback
from pystator.scheduler.retry import RetryPolicy
from pystator.scheduler.timer_request import check_timer_request

__all__ = ["AsyncioScheduler"]

logger = logging.getLogger("pystator.scheduler")


@dataclass(slots=True)
class _Timer:
    task: ScheduledTask
    callback: TimerCallback
    due: float  # on the clock's monotonic scale
    handle: Cancellable | None = None


class AsyncioScheduler:
    """In-process scheduler on the running asyncio event loop.

    ``retention``: how many finished (fired, cancelled, failed) tasks ``get_task`` still reports;
    scheduling one of their ids again is a no-op. ``shutdown_grace_s``: how long ``close`` lets
    running callbacks finish before cancelling them.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        retention: int = 10_000,
        shutdown_grace_s: float = 5.0,
    ) -> None:
        if not isinstance(retention, int) or retention < 0:
            raise ValueError(f"retention: expected an integer >= 0, got {retention!r}")
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._retry = retry if retry is not None else RetryPolicy()
        self._retention = retention
        self._grace = shutdown_grace_s
        self._handlers = HandlerRegistry()
        self._active: dict[str, _Timer] = {}
        self._by_entity: dict[str, set[str]] = {}
        self._finished: OrderedDict[str, ScheduledTask] = OrderedDict()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._closed = False
        self._pending = 0
        self._fired = 0
        self._failed = 0
        self._cancelled = 0
        self._retried = 0
        self._lags = LagWindow()

    # ------------------------------------------------------------------ public API

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def pending_count(self) -> int:
        """How many timers are pending (fired, firing and cancelled ones are not)."""
        return self._pending

    def register_handler(self, name: str, handler: TimerCallback) -> None:
        self._handlers.register(name, handler)

    async def schedule(
        self,
        delay_ms: int,
        callback: TimerCallback | str,
        entity_id: str,
        event: TriggerLike,
        metadata: Mapping[str, Any] | None = None,
        *,
        task_id: str | None = None,
    ) -> str:
        self._check_open()
        request = check_timer_request(delay_ms, entity_id, event, metadata, task_id)
        handler_name, fn = self._resolve(callback)
        if request.task_id in self._active or request.task_id in self._finished:
            return request.task_id
        now = self._clock.now()
        due = self._clock.monotonic() + request.delay_ms / 1000
        timer = _Timer(
            task=ScheduledTask(
                task_id=request.task_id,
                entity_id=request.entity_id,
                event=request.event,
                delay_ms=request.delay_ms,
                status=TaskStatus.PENDING,
                scheduled_at=now,
                fires_at=now + timedelta(milliseconds=request.delay_ms),
                metadata=request.metadata,
                handler=handler_name,
            ),
            callback=fn,
            due=due,
        )
        self._active[request.task_id] = timer
        self._by_entity.setdefault(request.entity_id, set()).add(request.task_id)
        self._pending += 1
        self._arm(timer)
        return request.task_id

    async def cancel(self, task_id: str) -> bool:
        timer = self._active.get(task_id)
        if timer is None or timer.task.status is not TaskStatus.PENDING:
            return False
        self._cancel_pending(timer)
        return True

    async def cancel_for_entity(self, entity_id: str) -> int:
        cancelled = 0
        for task_id in list(self._by_entity.get(entity_id, ())):
            if await self.cancel(task_id):
                cancelled += 1
        return cancelled

    async def get_task(self, task_id: str) -> ScheduledTask | None:
        timer = self._active.get(task_id)
        if timer is not None:
            return timer.task
        return self._finished.get(task_id)

    async def get_pending_tasks(self, entity_id: str | None = None) -> list[ScheduledTask]:
        if entity_id is None:
            timers: list[_Timer] = list(self._active.values())
        else:
            timers = [self._active[t] for t in self._by_entity.get(entity_id, ())]
        pending = [t for t in timers if t.task.status is TaskStatus.PENDING]
        pending.sort(key=lambda t: (t.due, t.task.scheduled_at))
        return [t.task for t in pending]

    async def count_pending(self) -> int:
        return self._pending

    async def metrics(self) -> SchedulerMetrics:
        now = self._clock.monotonic()
        overdue = max(
            (now - t.due for t in self._active.values() if t.task.status is TaskStatus.PENDING),
            default=0.0,
        )
        p50, p99 = self._lags.percentiles()
        return SchedulerMetrics(
            pending=self._pending,
            in_flight=len(self._active) - self._pending,
            fired=self._fired,
            failed=self._failed,
            cancelled=self._cancelled,
            retried=self._retried,
            lag_p50_ms=p50,
            lag_p99_ms=p99,
            overdue_ms=max(0.0, overdue * 1000),
        )

    async def start(self) -> None:
        self._check_open()

    async def close(self) -> None:
        """Cancel every pending timer; give running callbacks ``shutdown_grace_s`` to finish."""
        if self._closed:
            return
        self._closed = True
        for timer in list(self._active.values()):
            if timer.task.status is TaskStatus.PENDING:
                self._cancel_pending(timer)
        if self._deliveries:
            _, still_running = await asyncio.wait(set(self._deliveries), timeout=self._grace)
            for delivery in still_running:
                delivery.cancel()
            if still_running:
                await asyncio.gather(*still_running, return_exceptions=True)

    async def __aenter__(self) -> AsyncioScheduler:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._closed:
            raise SchedulerError("the scheduler is closed; create a new one to schedule timers")

    def _resolve(self, callback: TimerCallback | str) -> tuple[str, TimerCallback]:
        if isinstance(callback, str):
            name = self._handlers.name_for(callback)
            handler = self._handlers.get(name)
            assert handler is not None
            return name, handler
        if not callable(callback):
            raise TypeError(
                f"callback: expected a callable or a registered handler name, got {type(callback).__name__}"
            )
        registered = next((n for n in self._handlers.names() if self._handlers.get(n) == callback), None)
        return registered or callable_name(callback), callback

    def _arm(self, timer: _Timer) -> None:
        timer.handle = self._clock.call_at(timer.due, partial(self._on_due, timer.task.task_id))

    def _on_due(self, task_id: str) -> asyncio.Task[None] | None:
        timer = self._active.get(task_id)
        if timer is None or timer.task.status is not TaskStatus.PENDING:
            return None
        timer.handle = None
        self._lags.add((self._clock.monotonic() - timer.due) * 1000)
        timer.task = replace(timer.task, status=TaskStatus.FIRING, attempts=timer.task.attempts + 1)
        self._pending -= 1
        delivery = asyncio.get_running_loop().create_task(
            self._deliver(timer), name=f"pystator-timer:{task_id}"
        )
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)
        return delivery

    async def _deliver(self, timer: _Timer) -> None:
        task = timer.task
        try:
            result = timer.callback(task)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            self._cancelled += 1
            self._finish(timer, TaskStatus.CANCELLED, error="cancelled while firing (scheduler closed)")
            raise
        except Exception as exc:
            self._after_failure(timer, exc)
        else:
            self._fired += 1
            self._finish(timer, TaskStatus.FIRED)

    def _after_failure(self, timer: _Timer, exc: Exception) -> None:
        task = timer.task
        error = f"{type(exc).__name__}: {exc}"
        if self._retry.gives_up_after(task.attempts) or self._closed:
            logger.error(
                "timer %s for entity %s failed on attempt %d, giving up: %s",
                task.task_id,
                task.entity_id,
                task.attempts,
                error,
                exc_info=exc,
            )
            self._failed += 1
            self._finish(timer, TaskStatus.FAILED, error=error)
            return
        delay_ms = self._retry.delay_after(task.attempts)
        logger.warning(
            "timer %s for entity %s failed on attempt %d, retrying in %d ms: %s",
            task.task_id,
            task.entity_id,
            task.attempts,
            delay_ms,
            error,
        )
        self._retried += 1
        timer.task = replace(task, status=TaskStatus.PENDING, error=error)
        timer.due = self._clock.monotonic() + delay_ms / 1000
        self._pending += 1
        self._arm(timer)

    def _cancel_pending(self, timer: _Timer) -> None:
        if timer.handle is not None:
            timer.handle.cancel()
            timer.handle = None
        self._pending -= 1
        self._cancelled += 1
        self._finish(timer, TaskStatus.CANCELLED)

    def _finish(self, timer: _Timer, status: TaskStatus, *, error: str | None = None) -> None:
        task = timer.task
        fired_at = self._clock.now() if status is TaskStatus.FIRED else None
        final = replace(task, status=status, fired_at=fired_at, error=error or task.error)
        self._active.pop(task.task_id, None)
        entity_timers = self._by_entity.get(task.entity_id)
        if entity_timers is not None:
            entity_timers.discard(task.task_id)
            if not entity_timers:
                del self._by_entity[task.entity_id]
        if self._retention:
            self._finished[task.task_id] = final
            while len(self._finished) > self._retention:
                self._finished.popitem(last=False)

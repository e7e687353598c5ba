"""The ``Scheduler`` protocol every timer backend implements, and the values it deals in.

A timer is data: who it is for (``entity_id``), what it sends back (``event``), when (``fires_at``),
what the caller wants handed back intact (``metadata``), and a ``task_id`` that names it. A caller
that passes its own deterministic ``task_id`` makes scheduling idempotent: scheduling an id that is
already known changes nothing.

Callbacks are either callables or the names of handlers registered with ``register_handler``.
Backends that keep timers outside the process (Redis, Celery) store only the name, so every process
that may fire a timer registers the same handlers under the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from pystator.event import Event, TriggerLike

__all__ = ["ScheduledTask", "Scheduler", "SchedulerMetrics", "TaskStatus", "TimerCallback"]


class TaskStatus(str, Enum):
    """Where a timer is in its life: pending -> firing -> fired | failed, or pending -> cancelled."""

    PENDING = "pending"
    FIRING = "firing"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.FIRED, TaskStatus.CANCELLED, TaskStatus.FAILED)


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A snapshot of one timer. Schedulers hand out copies: changing one changes nothing stored.

    ``delay_ms`` is the delay asked for; ``fires_at - scheduled_at`` equals it. ``attempts`` counts
    deliveries to the callback so far (a callback that raises is retried by the scheduler's
    ``RetryPolicy``); ``error`` is the last failure, if any. ``handler`` names the callback.
    """

    task_id: str
    entity_id: str
    event: str | Event
    delay_ms: int
    status: TaskStatus
    scheduled_at: datetime
    fires_at: datetime
    fired_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    handler: str = ""
    attempts: int = 0
    error: str | None = None

    @property
    def trigger(self) -> str:
        """The trigger the timer sends back, whether ``event`` is a string or an ``Event``."""
        return self.event.trigger if isinstance(self.event, Event) else self.event

    @property
    def is_pending(self) -> bool:
        return self.status is TaskStatus.PENDING


TimerCallback = Callable[[ScheduledTask], object]
"""Called with the fired task; may be sync or async (an awaitable result is awaited).

Raising means "not delivered": the scheduler retries it according to its ``RetryPolicy`` and marks
the task ``FAILED`` when the attempts run out.
"""


@dataclass(frozen=True, slots=True)
class SchedulerMetrics:
    """Counters and lateness of a scheduler; durable backends report figures shared by all replicas.

    ``lag_p50_ms`` / ``lag_p99_ms``: how late recent fires started after their due time (None
    before any fire). ``overdue_ms``: how long the oldest due-but-unclaimed timer has been waiting
    (0 when none is), the figure to alert on when replicas cannot keep up.
    """

    pending: int
    in_flight: int
    fired: int
    failed: int
    cancelled: int
    retried: int = 0
    recovered: int = 0
    lag_p50_ms: float | None = None
    lag_p99_ms: float | None = None
    overdue_ms: float = 0.0


@runtime_checkable
class Scheduler(Protocol):
    """Arms, cancels and fires timers. Every implementation passes
    ``pystator.testing.scheduler_conformance.SchedulerConformance``.
    """

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
        """Arm a timer that calls ``callback`` with its ``ScheduledTask`` after ``delay_ms``.

        Returns the task id (``task_id`` when given, a new unique id otherwise). When ``task_id``
        is already pending, or finished within the backend's retention window, nothing changes.
        ``metadata`` and an ``Event``'s payload must be JSON-compatible; they come back intact.
        """
        ...

    async def cancel(self, task_id: str) -> bool:
        """Cancel a pending timer; False when it is unknown, already firing, fired or cancelled."""
        ...

    async def cancel_for_entity(self, entity_id: str) -> int:
        """Cancel every pending timer of ``entity_id``; returns how many were cancelled."""
        ...

    async def get_task(self, task_id: str) -> ScheduledTask | None:
        """The task, while pending or firing and for a retention window after it finished."""
        ...

    async def get_pending_tasks(self, entity_id: str | None = None) -> list[ScheduledTask]:
        """Pending tasks (of one entity, or all), earliest ``fires_at`` first."""
        ...

    async def count_pending(self) -> int:
        """How many timers are pending (not yet firing, fired or cancelled)."""
        ...

    async def metrics(self) -> SchedulerMetrics: ...

    def register_handler(self, name: str, handler: TimerCallback) -> None:
        """Make ``name`` usable as a callback; register the same names in every firing process."""
        ...

    async def start(self) -> None:
        """Begin firing due timers (idempotent). ``schedule`` starts the scheduler too."""
        ...

    async def close(self) -> None:
        """Stop firing and release resources. In-process timers are cancelled; durable ones stay
        stored for the next process to fire."""
        ...

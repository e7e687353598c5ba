"""What the queue returns: an event's status, a dead letter, queue metrics and worker health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

__all__ = [
    "DeadLetter",
    "EventInfo",
    "EventOutcome",
    "EventStatus",
    "QueueMetrics",
    "WorkerNode",
]


class EventStatus(str, Enum):
    """Where an event stands.

    - ``pending``: waiting to be applied (also between retries, until ``available_at``);
    - ``processing``: its transition is committed and its actions are running under a worker's lease
      (a dead worker's lease expires and another worker finishes the actions);
    - ``done``: finished; ``outcome`` says how (applied, rejected by a guard, ...);
    - ``failed``: a permanent error (unknown machine or trigger, invalid payload): not retried;
    - ``dead``: a transient error persisted through every attempt.

    ``failed`` and ``dead`` events have a dead-letter entry until replayed or discarded.
    """

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        return self in (EventStatus.DONE, EventStatus.FAILED, EventStatus.DEAD)


class EventOutcome(str, Enum):
    """How a ``done`` event finished: its transition was applied, or the machine declined it."""

    APPLIED = "applied"
    REJECTED = "rejected"
    NO_OP = "no_op"
    DUPLICATE = "duplicate"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class EventInfo:
    """One queued event and its status (``GET`` of an event by id)."""

    event_id: str
    machine: str
    entity_id: str
    trigger: str
    payload: Mapping[str, Any]
    status: EventStatus
    attempts: int
    created_at: datetime
    available_at: datetime
    idempotency_key: str | None = None
    outcome: EventOutcome | None = None
    last_error: str | None = None
    result: Mapping[str, Any] = field(default_factory=dict)
    """``source_state``, ``target_state``, ``version`` and, when not applied, ``reason``."""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "machine": self.machine,
            "entity_id": self.entity_id,
            "trigger": self.trigger,
            "payload": dict(self.payload),
            "idempotency_key": self.idempotency_key,
            "status": self.status.value,
            "outcome": self.outcome.value if self.outcome is not None else None,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "result": dict(self.result),
            "created_at": self.created_at.isoformat(),
            "available_at": self.available_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event that ended ``failed`` or ``dead``, with why."""

    event: EventInfo
    reason: EventStatus
    error: str
    attempts: int
    dead_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason.value,
            "error": self.error,
            "attempts": self.attempts,
            "dead_at": self.dead_at.isoformat(),
            "event": self.event.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class WorkerNode:
    """One worker process as it last reported itself."""

    worker_id: str
    hostname: str
    pid: int
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    processed: int
    failed: int

    @property
    def running(self) -> bool:
        return self.stopped_at is None


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Queue health: depth by status, lag, throughput and the workers that reported recently.

    ``ready`` counts pending events due now; ``lag_seconds`` is the age of the oldest of them (0 when
    none); ``throughput_per_second`` counts events finished in the last ``window_seconds``.
    """

    depth: Mapping[str, int]
    ready: int
    lag_seconds: float
    finished_in_window: int
    window_seconds: float
    dead_letters: int
    workers: tuple[WorkerNode, ...] = ()

    @property
    def throughput_per_second(self) -> float:
        return self.finished_in_window / self.window_seconds if self.window_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "depth": dict(self.depth),
            "ready": self.ready,
            "lag_seconds": self.lag_seconds,
            "throughput_per_second": self.throughput_per_second,
            "window_seconds": self.window_seconds,
            "dead_letters": self.dead_letters,
            "workers": [
                {
                    "worker_id": w.worker_id,
                    "hostname": w.hostname,
                    "pid": w.pid,
                    "concurrency": w.concurrency,
                    "started_at": w.started_at.isoformat(),
                    "heartbeat_at": w.heartbeat_at.isoformat(),
                    "running": w.running,
                    "processed": w.processed,
                    "failed": w.failed,
                }
                for w in self.workers
            ],
        }

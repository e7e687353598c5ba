"""``TimerRef``: what the Orchestrator writes into a timer so that firing it can be checked.

A delayed transition or state timeout belongs to one entity of one machine, armed when the entity
entered ``state`` at ``state_version``. Its task id is derived from exactly that, so arming it twice
(a retry, a rebuild after restart) is a no-op, and the fire is dropped unless the entity is still in
that state at that version (a compare-and-set the Orchestrator performs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import quote

from pystator.scheduler.protocol import ScheduledTask

__all__ = ["TIMER_METADATA_KEY", "TimerRef", "timer_task_id"]

TIMER_METADATA_KEY = "pystator_timer"
"""The metadata key under which ``TimerRef.to_metadata`` stores the reference."""


def timer_task_id(machine: str, entity_id: str, state_version: int, timer_id: str) -> str:
    """The deterministic task id of one timer (each part escaped, so distinct inputs never collide)."""
    parts = (machine, entity_id, f"v{state_version}", timer_id)
    return "timer/" + "/".join(quote(part, safe="") for part in parts)


@dataclass(frozen=True, slots=True)
class TimerRef:
    """One armed timer of one entity: everything needed to check a fire against stored state."""

    machine: str
    entity_id: str
    state: str
    state_version: int
    timer_id: str
    trigger: str
    kind: Literal["after", "timeout"] = "after"

    def __post_init__(self) -> None:
        for name in ("machine", "entity_id", "state", "timer_id", "trigger"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"TimerRef.{name}: expected a non-empty string, got {value!r}")
        if isinstance(self.state_version, bool) or not isinstance(self.state_version, int):
            raise ValueError(f"TimerRef.state_version: expected an integer, got {self.state_version!r}")
        if self.kind not in ("after", "timeout"):
            raise ValueError(f"TimerRef.kind: expected 'after' or 'timeout', got {self.kind!r}")

    @property
    def task_id(self) -> str:
        return timer_task_id(self.machine, self.entity_id, self.state_version, self.timer_id)

    def to_metadata(self) -> dict[str, Any]:
        """Metadata to pass to ``schedule``; ``from_task`` reads it back from the fired task."""
        return {TIMER_METADATA_KEY: asdict(self)}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> TimerRef:
        raw = metadata.get(TIMER_METADATA_KEY)
        if not isinstance(raw, Mapping):
            raise ValueError(f"metadata: expected a {TIMER_METADATA_KEY!r} entry written by TimerRef")
        try:
            return cls(**dict(raw))
        except TypeError as exc:
            raise ValueError(f"metadata[{TIMER_METADATA_KEY!r}]: {exc}") from None

    @classmethod
    def from_task(cls, task: ScheduledTask) -> TimerRef:
        return cls.from_metadata(task.metadata)

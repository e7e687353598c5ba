"""``ActionResult``: the outcome of running one action."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["ActionResult", "ActionStatus"]


class ActionStatus(str, Enum):
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ActionResult:
    """One action's outcome. ``phase``/``kind`` say where it came from when an executor ran it."""

    action_name: str
    status: ActionStatus
    result: Any = None
    error: BaseException | None = None
    duration_ms: float = 0.0
    attempts: int = 1
    reason: str = ""
    phase: str = ""
    kind: str = "call"

    @property
    def name(self) -> str:
        return self.action_name

    @property
    def success(self) -> bool:
        return self.status is ActionStatus.SUCCESS

    @property
    def failed(self) -> bool:
        """Failed or timed out (a skipped action did not fail)."""
        return self.status is ActionStatus.FAILED or self.status is ActionStatus.TIMED_OUT

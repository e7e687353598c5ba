"""``ExecutionResult``: what running a transition's actions produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pystator.actions.result import ActionResult, ActionStatus

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["ExecutionResult"]


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """Every action's ``ActionResult`` in run order, and the context the actions left behind.

    ``context`` is a new dict: the context passed in, changed by effects, built-ins and actions
    that modified their copy and succeeded. The mapping passed to the executor is never modified;
    apply ``context`` yourself (``EntitySession`` and the ``Orchestrator`` do). Results of actions
    inside a ``branch`` follow the branch's own result.
    """

    transition_result: TransitionResult | None
    action_results: list[ActionResult] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def all_succeeded(self) -> bool:
        """No action failed or timed out (skipped ones do not count against it)."""
        return not any(r.failed for r in self.action_results)

    @property
    def failed_actions(self) -> list[str]:
        """Names of the actions that failed or timed out."""
        return [r.action_name for r in self.action_results if r.failed]

    @property
    def succeeded_actions(self) -> list[str]:
        return [r.action_name for r in self.action_results if r.status is ActionStatus.SUCCESS]

    @property
    def skipped_actions(self) -> list[str]:
        return [r.action_name for r in self.action_results if r.status is ActionStatus.SKIPPED]

    @property
    def timed_out_actions(self) -> list[str]:
        return [r.action_name for r in self.action_results if r.status is ActionStatus.TIMED_OUT]

    @property
    def errors(self) -> list[BaseException]:
        return [r.error for r in self.action_results if r.failed and r.error is not None]

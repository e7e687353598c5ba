"""The ``TransitionHook`` protocol: what an observer calls around each transition.

A hook implements any subset of the four methods; missing ones are simply not called. An
exception raised by a hook is logged and swallowed: it never changes the outcome of the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["HOOK_METHODS", "TransitionHook"]

HOOK_METHODS = ("on_before_process", "on_transition_start", "on_transition_complete", "on_transition_error")


@runtime_checkable
class TransitionHook(Protocol):
    """Lifecycle callbacks; implement the ones you need (all four shown for type checkers)."""

    def on_before_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        """An event arrived for ``entity_id`` (None outside an orchestrator or session)."""

    def on_transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        """The engine is about to compute the transition."""

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        """The engine returned ``result`` (which may be a failed result, e.g. a guard rejection)."""

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        """Processing raised ``error`` (it is re-raised to the caller after the hooks ran)."""

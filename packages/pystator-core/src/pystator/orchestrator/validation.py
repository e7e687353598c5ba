"""Context validation before guards: the ``ContextValidatorFn`` a caller plugs into the Orchestrator.

A validator is ``(entity_id, current_state, trigger, context) -> (ok, errors)``, sync or async (an
awaitable result is awaited on the async path). A failure becomes a failed ``TransitionResult``
with ``metadata["reason"] == "context_validation"`` and the problems in
``error.context["validation_errors"]``; nothing is written. The machine's own
``meta.validate_context`` check runs afterwards, inside ``process()``, with the same result shape.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeAlias

from pystator.errors import ContextValidationError
from pystator.result import TransitionResult

__all__ = ["ContextValidatorFn", "check_verdict", "validation_failure"]

ContextValidatorFn: TypeAlias = Callable[
    [str, str, str, dict[str, Any]],
    "tuple[bool, list[str]] | Awaitable[tuple[bool, list[str]]]",
]
"""``(entity_id, current_state, trigger, context) -> (ok, errors)``; sync or async."""


def check_verdict(verdict: object) -> tuple[bool, list[str]]:
    """Normalise what a validator returned; a ``TypeError`` says what was expected."""
    if (
        isinstance(verdict, tuple)
        and len(verdict) == 2
        and isinstance(verdict[0], bool)
        and isinstance(verdict[1], Sequence)
        and not isinstance(verdict[1], str)
    ):
        return verdict[0], [str(problem) for problem in verdict[1]]
    raise TypeError(f"context_validator: expected a (bool, list[str]) tuple, got {verdict!r}")


def is_awaitable(value: object) -> bool:
    return inspect.isawaitable(value)


def validation_failure(state: str, trigger: str, errors: list[str]) -> TransitionResult:
    problems = errors or ["context_validator rejected the context"]
    error = ContextValidationError(
        f"context is invalid for {trigger!r} in {state!r}: " + "; ".join(problems),
        validation_errors=problems,
    )
    metadata: Mapping[str, Any] = {"reason": "context_validation", "validation_errors": list(problems)}
    return TransitionResult(
        success=False,
        source_state=state,
        target_state=None,
        trigger=trigger,
        error=error,
        metadata=metadata,
    )

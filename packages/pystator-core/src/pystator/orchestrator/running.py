"""Running a committed transition's actions, each with its stable idempotency key.

Effects (``set``, ``increment``, ...) only change the context, so they are applied *before* the
commit and their result is part of the one atomic write. Every other action (registered calls,
``http``, ``code``, ``branch``) runs *after* the commit, in plan order, and sees under
``context["_idempotency_key"]`` the key ``machine:entity:version:action_index`` (the index in the
transition's planned action list), which stays the same when recovery runs the action again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pystator.actions.executor import ActionExecutor
from pystator.actions.result import ActionResult, ActionStatus
from pystator.result import ActionSpec
from pystator.stores.records import ActionOutcome

__all__ = [
    "IDEMPOTENCY_CONTEXT_KEY",
    "RESERVED_CONTEXT_KEYS",
    "ActionRun",
    "apply_effects",
    "outcomes_of",
    "run_actions",
    "arun_actions",
]

IDEMPOTENCY_CONTEXT_KEY = "_idempotency_key"
RESERVED_CONTEXT_KEYS = frozenset({"_event", IDEMPOTENCY_CONTEXT_KEY})


class ActionRun:
    """Results by index in the planned list (a ``branch`` yields several), and the final context."""

    def __init__(self, size: int) -> None:
        self.by_index: list[list[ActionResult]] = [[] for _ in range(size)]

    def results(self) -> list[ActionResult]:
        return [result for group in self.by_index for result in group]

    def any_failed(self) -> bool:
        return any(result.failed for group in self.by_index for result in group)


def apply_effects(
    executor: ActionExecutor, specs: Sequence[ActionSpec], context: Mapping[str, Any], run: ActionRun
) -> dict[str, Any]:
    """Apply the effect specs in plan order; returns the context they leave (pre-commit)."""
    current = dict(context)
    for index, spec in enumerate(specs):
        if spec.kind != "effect":
            continue
        execution = executor.execute_specs([spec], current)
        run.by_index[index] = list(execution.action_results)
        current = execution.context
    return current


def _skipped(spec: ActionSpec, reason: str) -> ActionResult:
    return ActionResult(
        spec.name, ActionStatus.SKIPPED, reason=reason, attempts=0, phase=spec.phase, kind=spec.kind
    )


def _with_key(context: Mapping[str, Any], key: str) -> dict[str, Any]:
    keyed = dict(context)
    keyed[IDEMPOTENCY_CONTEXT_KEY] = key
    return keyed


def _without_key(context: Mapping[str, Any]) -> dict[str, Any]:
    plain = dict(context)
    plain.pop(IDEMPOTENCY_CONTEXT_KEY, None)
    return plain


def run_actions(
    executor: ActionExecutor,
    specs: Sequence[ActionSpec],
    keys: Sequence[str],
    context: Mapping[str, Any],
    run: ActionRun,
) -> dict[str, Any]:
    """Run every non-effect spec after the commit; returns the context the actions leave."""
    current = dict(context)
    for index, spec in enumerate(specs):
        if spec.kind == "effect":
            continue
        if executor.stop_on_error and run.any_failed():
            run.by_index[index] = [_skipped(spec, "not run: stop_on_error after a failed action")]
            continue
        execution = executor.execute_specs([spec], _with_key(current, keys[index]))
        run.by_index[index] = list(execution.action_results)
        current = _without_key(execution.context)
    return current


async def arun_actions(
    executor: ActionExecutor,
    specs: Sequence[ActionSpec],
    keys: Sequence[str],
    context: Mapping[str, Any],
    run: ActionRun,
) -> dict[str, Any]:
    current = dict(context)
    for index, spec in enumerate(specs):
        if spec.kind == "effect":
            continue
        if executor.stop_on_error and run.any_failed():
            run.by_index[index] = [_skipped(spec, "not run: stop_on_error after a failed action")]
            continue
        execution = await executor.async_execute_specs([spec], _with_key(current, keys[index]))
        run.by_index[index] = list(execution.action_results)
        current = _without_key(execution.context)
    return current


def outcomes_of(run: ActionRun) -> list[ActionOutcome]:
    return [ActionOutcome.from_result(result) for result in run.results()]

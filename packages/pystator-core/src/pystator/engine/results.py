"""Building ``TransitionResult`` values from the kernel's decisions.

A successful result of one microstep holds its exit, transition and enter actions in the three
tuples. When eventless steps follow (a choice, a join, an ``auto`` transition), the combined result
keeps ``all_action_specs`` in true run order: ``on_exit_actions`` holds the first step's exits,
``on_enter_actions`` the last step's entries, and everything in between sits in
``actions_to_execute``, each spec still carrying its own ``phase`` and ``state``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from pystator.engine.frozen import FrozenDict
from pystator.engine.microstep import Step
from pystator.engine.nodes import Node
from pystator.errors import FSMError
from pystator.result import ActionSpec, TimerSpec, TransitionResult

__all__ = ["EMPTY", "failure", "no_op", "success"]

EMPTY: FrozenDict = FrozenDict()


def failure(source: str, trigger: str, reason: str, error: FSMError, **extra: Any) -> TransitionResult:
    return TransitionResult(
        success=False,
        source_state=source,
        target_state=None,
        trigger=trigger,
        error=error,
        metadata=FrozenDict(reason=reason, **extra),
        history_updates=EMPTY,
    )


def no_op(source: str, trigger: str, reason: str) -> TransitionResult:
    return TransitionResult(
        success=True,
        source_state=source,
        target_state=source,
        trigger=trigger,
        metadata=FrozenDict(no_op=True, reason=reason),
        history_updates=EMPTY,
    )


def success(
    source: str, trigger: str, steps: list[Step], start_atoms: tuple[Node, ...], completed: list[str]
) -> TransitionResult:
    last = steps[-1]
    metadata: dict[str, Any] = {}
    if completed:
        metadata["completed"] = list(completed)
    if len(steps) == 1:
        first = last
        on_exit, middle, on_enter = first.exit_actions, first.transition_actions, first.enter_actions
        cancel, start = first.timers_to_cancel, first.timers_to_start
        history = FrozenDict(first.history_updates) if first.history_updates else EMPTY
    else:
        on_exit, middle, on_enter = _chained_actions(steps)
        cancel, start = _chained_timers(steps, start_atoms)
        history = FrozenDict(pair for step in steps for pair in step.history_updates)
        metadata["via"] = [step.value for step in steps[:-1]]
    return TransitionResult(
        success=True,
        source_state=source,
        target_state=last.value,
        trigger=trigger,
        on_exit_actions=on_exit,
        actions_to_execute=middle,
        on_enter_actions=on_enter,
        metadata=FrozenDict(metadata) if metadata else EMPTY,
        timers_to_start=start,
        timers_to_cancel=cancel,
        history_updates=history,
    )


def _chained_actions(
    steps: list[Step],
) -> tuple[tuple[ActionSpec, ...], tuple[ActionSpec, ...], tuple[ActionSpec, ...]]:
    middle: list[ActionSpec] = list(steps[0].transition_actions)
    for previous, step in pairwise(steps):
        middle += previous.enter_actions
        middle += step.exit_actions
        middle += step.transition_actions
    return steps[0].exit_actions, tuple(middle), steps[-1].enter_actions


def _chained_timers(
    steps: list[Step], start_atoms: tuple[Node, ...]
) -> tuple[tuple[str, ...], tuple[TimerSpec, ...]]:
    """Cancel what was armed before and got exited; start what is entered and still active at the end."""
    armed_before = {state for atom in start_atoms for state in (atom, *atom.ancestors)}
    entered: dict[Node, None] = {}
    cancel: dict[str, None] = {}
    for step in steps:
        for state in step.exits:
            if state in entered:
                del entered[state]
            elif state in armed_before and state.timers:
                cancel[state.name] = None
                armed_before.discard(state)
        for state in step.enters:
            entered[state] = None
    return tuple(cancel), tuple(timer for state in entered for timer in state.timers)

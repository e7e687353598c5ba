"""The initial entry: where a new session rests and the ``on_enter`` actions of getting there.

Entering a configuration from nothing enters every active state, outermost first (document order),
so the planned actions are the ``on_enter`` entries of each, parents before children, and the timers
to start are those of every active state (``after`` transitions, ``timeout``). The result is a
``TransitionResult`` with ``source_state=""`` and trigger ``INITIAL_TRIGGER``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pystator.engine.actions import plan_actions
from pystator.result import TransitionResult

if TYPE_CHECKING:
    from pystator.machine import StateMachine

__all__ = ["INITIAL_TRIGGER", "initial_entry", "resting_state"]

INITIAL_TRIGGER = "__initial__"


def resting_state(machine: StateMachine, initial_state: str | None) -> str:
    """The stored form a new session rests in: the machine's initial leaf, or ``initial_state``
    resolved the same way (a compound state enters its initial children, a parallel state every
    region); raises ``UndefinedStateError`` / ``InvalidStateError`` for a state the machine lacks."""
    if initial_state is None:
        return machine.initial_state
    if not isinstance(initial_state, str):
        raise TypeError(f"initial_state: expected a state name, got {type(initial_state).__name__}")
    return str(machine.configuration(initial_state))


def initial_entry(machine: StateMachine, state: str) -> TransitionResult:
    """The planned entry into ``state`` (a stored form) from nothing."""
    enter = tuple(
        spec
        for name in machine.active_states(state)
        for spec in plan_actions(machine.get_state(name).definition.on_enter, "enter", name)
    )
    return TransitionResult(
        success=True,
        source_state="",
        target_state=state,
        trigger=INITIAL_TRIGGER,
        on_enter_actions=enter,
        metadata={"initial": True},
        timers_to_start=machine.timers_for(state),
    )

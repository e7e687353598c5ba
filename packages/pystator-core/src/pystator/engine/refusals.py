"""The failed (or no-op) results the kernel returns, one builder per reason."""

from __future__ import annotations

from pystator.engine.call import Call
from pystator.engine.compiled import CompiledMachine
from pystator.engine.nodes import Node
from pystator.engine.reserved import is_timer_trigger
from pystator.engine.results import failure, no_op
from pystator.engine.selection import GuardAbort
from pystator.errors import (
    GuardNotFoundError,
    GuardRejectedError,
    InvalidTransitionError,
    TerminalStateError,
    UndefinedTriggerError,
)
from pystator.result import TransitionResult

__all__ = ["aborted", "choice_refusal", "eventless_loop", "rejected", "terminal", "unhandled"]


def terminal(state: str, name: str) -> TransitionResult:
    error = TerminalStateError(
        f"state {state!r} is terminal: no event is accepted", current_state=state, trigger=name
    )
    return failure(state, name, "terminal_state", error)


def unhandled(machine: CompiledMachine, state: str, name: str) -> TransitionResult:
    """No transition applies: a stale timer (a no-op), an undefined trigger or an invalid
    transition (failures in strict mode, no-ops otherwise)."""
    if is_timer_trigger(name):
        return no_op(state, name, "stale_timer")
    undefined = name not in machine.triggers
    reason = "undefined_trigger" if undefined else "invalid_transition"
    if not machine.reject_invalid_events:
        return no_op(state, name, reason)
    if undefined:
        error: InvalidTransitionError = UndefinedTriggerError(
            f"trigger {name!r} is not defined in this machine", current_state=state, trigger=name
        )
    else:
        error = InvalidTransitionError(
            f"no transition for trigger {name!r} from state {state!r}", current_state=state, trigger=name
        )
    return failure(state, name, reason, error)


def rejected(call: Call) -> TransitionResult:
    labels = call.rejected or []
    first = labels[0] if labels else ""
    error = GuardRejectedError(
        f"guard {first!r} rejected {call.name!r} from {call.state!r}",
        guard_name=first,
        current_state=call.state,
        trigger=call.name,
        guards_failed=labels,
    )
    return call.fail("guard_rejected", error, guard_name=first, guards_failed=list(labels))


def aborted(call: Call, abort: GuardAbort) -> TransitionResult:
    error = abort.error
    reason = "guard_not_found" if isinstance(error, GuardNotFoundError) else "guard_error"
    error.context.setdefault("current_state", call.state)
    error.context.setdefault("trigger", call.name)
    return call.fail(reason, error, guard_name=abort.label)


def choice_refusal(call: Call, atoms: tuple[Node, ...]) -> TransitionResult:
    choice = next(a for a in atoms if a.is_choice)
    labels = call.rejected or []
    error = GuardRejectedError(
        f"no branch of choice state {choice.name!r} passed its guards",
        guard_name=labels[0] if labels else "",
        current_state=call.state,
        trigger=call.name,
        guards_failed=labels,
    )
    return call.fail("no_choice_branch", error)


def eventless_loop(call: Call, limit: int) -> TransitionResult:
    error = InvalidTransitionError(
        f"eventless transitions did not settle after {limit} steps (a cycle of auto transitions?)",
        current_state=call.state,
        trigger=call.name,
    )
    return call.fail("eventless_loop", error)

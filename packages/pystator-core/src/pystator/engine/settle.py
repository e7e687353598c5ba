"""Settling after a microstep: the eventless steps taken within the same ``process`` call.

Until the configuration is stable (at most ``MAX_STEPS`` steps): leave every choice state at once
by its first passing branch; raise the completion event ``done_state_<state>`` of each parallel
state whose regions have all just reached their final state (a join); take the enabled eventless
(``auto``) transitions. Generators, like the rest of the kernel, so guards may be awaited.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from pystator.engine.call import Call
from pystator.engine.compiled import CompiledMachine
from pystator.engine.microstep import Step
from pystator.engine.nodes import Candidate, Node
from pystator.engine.refusals import choice_refusal, eventless_loop
from pystator.engine.reserved import completion_trigger
from pystator.engine.selection import Selection, select, select_one
from pystator.result import TransitionResult

__all__ = ["MAX_STEPS", "is_complete", "settle"]

MAX_STEPS = 64

StepFn = Callable[[tuple[Node, ...], tuple[Candidate, ...], Call], Step]


def settle(
    machine: CompiledMachine, call: Call, steps: list[Step], completed: list[str], take: StepFn
) -> Generator[Any, Any, TransitionResult | None]:
    """Append the eventless steps to ``steps``; a refusal result when one fails, else None."""
    previous, atoms = call.atoms, steps[-1].atoms
    for _ in range(MAX_STEPS):
        chosen: tuple[Candidate, ...] = ()
        if machine.has_choices and any(a.is_choice for a in atoms):
            chosen = yield from _leave_choices(call, atoms)
            if not chosen:
                return choice_refusal(call, atoms)
        if not chosen and machine.joins:
            chosen = yield from _join(machine, call, previous, atoms, completed)
        if not chosen and machine.has_auto:
            found = Selection()
            yield from select(atoms, None, call.ctx, found)
            call.evaluated = call.evaluated or found.evaluated
            chosen = tuple(found.candidates)
        if not chosen:
            return None
        step = take(atoms, chosen, call)
        steps.append(step)
        previous, atoms = atoms, step.atoms
    return eventless_loop(call, MAX_STEPS)


def _leave_choices(call: Call, atoms: tuple[Node, ...]) -> Generator[Any, Any, tuple[Candidate, ...]]:
    """The first passing branch of every choice state in ``atoms``; () when one has none."""
    branches = []
    call.evaluated = True
    for choice in (a for a in atoms if a.is_choice):
        found = Selection()
        candidate = yield from select_one(choice.branches, choice, call.ctx, found)
        if candidate is None:
            call.rejected = found.rejected
            return ()
        branches.append(candidate)
    return tuple(branches)


def _join(
    machine: CompiledMachine,
    call: Call,
    previous: tuple[Node, ...],
    atoms: tuple[Node, ...],
    completed: list[str],
) -> Generator[Any, Any, tuple[Candidate, ...]]:
    """Raise the completion event of each parallel state that has just completed."""
    for parallel in machine.joins:
        if is_complete(parallel, atoms) and not is_complete(parallel, previous):
            completed.append(parallel.name)
            found = Selection()
            yield from select(atoms, completion_trigger(parallel.name), call.ctx, found)
            call.evaluated = call.evaluated or found.evaluated
            if found.candidates:
                return tuple(found.candidates)
    return ()


def is_complete(parallel: Node, atoms: tuple[Node, ...]) -> bool:
    """Every region of ``parallel`` rests in (or below) its final state."""
    for region in parallel.regions:
        final = region.final
        if final is None:
            return False
        if not any(atom is final or final in atom.ancestor_set for atom in atoms):
            return False
    return True

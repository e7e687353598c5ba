"""``evaluate_destination``: can the machine get from a state to a given destination, and how?

Useful to validate an incoming status string ("the exchange says the order is now ``filled``"):
every trigger with a transition that can lead to the destination is a candidate; each is run
through ``process`` (guards applied, nothing executed) and is *executable* when it succeeds and
the destination is active afterwards. ``allowed`` means at least one is; ``is_ambiguous`` that
several are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pystator.engine.compiled import CompiledMachine
from pystator.engine.hierarchy import active_states, default_atoms
from pystator.engine.kernel import Kernel
from pystator.engine.nodes import CompiledTransition, Node
from pystator.engine.queries import available_transitions
from pystator.result import TransitionResult

__all__ = ["DestinationCandidate", "DestinationCheckResult", "aevaluate_destination", "evaluate_destination"]


@dataclass(frozen=True, slots=True)
class DestinationCandidate:
    """One trigger that may lead to the destination, and what processing it gives."""

    trigger: str
    dest: str
    executable: bool
    reason: str
    transition_result: TransitionResult | None = None


@dataclass(frozen=True, slots=True)
class DestinationCheckResult:
    """The verdict of ``evaluate_destination``.

    ``metadata["reason"]`` says why when not allowed: ``undefined_destination``,
    ``terminal_state``, ``no_transition_to_destination`` or ``no_passing_transition``.
    """

    allowed: bool
    source_state: str
    destination_state: str
    candidates: tuple[DestinationCandidate, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def candidate_count(self) -> int:
        return len(self.candidates)

    @property
    def passing(self) -> tuple[DestinationCandidate, ...]:
        return tuple(c for c in self.candidates if c.executable)

    @property
    def passing_count(self) -> int:
        return len(self.passing)

    @property
    def is_ambiguous(self) -> bool:
        return self.passing_count > 1

    @property
    def triggers(self) -> list[str]:
        """The triggers that would reach the destination, in definition order."""
        return [c.trigger for c in self.passing]


Process = Callable[[str, str, Mapping[str, Any] | None], TransitionResult]
AsyncProcess = Callable[[str, str, Mapping[str, Any] | None], Awaitable[TransitionResult]]


def evaluate_destination(
    machine: CompiledMachine,
    kernel: Kernel,
    process: Process,
    *,
    state: str,
    destination: str,
    context: Mapping[str, Any] | None,
) -> DestinationCheckResult:
    plan = _plan(machine, kernel, state, destination)
    if isinstance(plan, DestinationCheckResult):
        return plan
    dest_node, options = plan
    outcomes = [
        _candidate(kernel, trigger, label, dest_node, process(state, trigger, context))
        for trigger, label in options
    ]
    return _verdict(state, destination, outcomes)


async def aevaluate_destination(
    machine: CompiledMachine,
    kernel: Kernel,
    process: AsyncProcess,
    *,
    state: str,
    destination: str,
    context: Mapping[str, Any] | None,
) -> DestinationCheckResult:
    plan = _plan(machine, kernel, state, destination)
    if isinstance(plan, DestinationCheckResult):
        return plan
    dest_node, options = plan
    outcomes = [
        _candidate(kernel, trigger, label, dest_node, await process(state, trigger, context))
        for trigger, label in options
    ]
    return _verdict(state, destination, outcomes)


def _plan(
    machine: CompiledMachine, kernel: Kernel, state: str, destination: str
) -> DestinationCheckResult | tuple[Node, list[tuple[str, str]]]:
    atoms = kernel.atoms(state)  # raises for an undefined source state
    dest_node = machine.states.get(destination)
    if dest_node is None:
        return DestinationCheckResult(False, state, destination, metadata={"reason": "undefined_destination"})
    if len(atoms) == 1 and atoms[0].is_terminal:
        return DestinationCheckResult(False, state, destination, metadata={"reason": "terminal_state"})
    options: dict[str, str] = {}
    for info in available_transitions(machine, atoms):
        transition = machine.transitions[info.index]
        if (
            info.trigger is not None
            and info.trigger not in options
            and _reaches(transition, dest_node, set())
        ):
            options[info.trigger] = info.dest or state
    if not options:
        return DestinationCheckResult(
            False, state, destination, metadata={"reason": "no_transition_to_destination"}
        )
    return dest_node, list(options.items())


def _reaches(transition: CompiledTransition, dest: Node, seen: set[CompiledTransition]) -> bool:
    """Whether taking ``transition`` can leave ``dest`` active (statically, guards ignored)."""
    seen.add(transition)
    if transition.history is not None:
        parent = transition.history
        return dest is parent or parent in dest.ancestor_set or dest in parent.ancestor_set
    target = transition.target
    if target is None:
        return False
    if target.is_choice:
        return any(_reaches(c.transition, dest, seen) for c in target.branches if c.transition not in seen)
    return dest in active_states(default_atoms(target))


def _candidate(
    kernel: Kernel, trigger: str, label: str, dest: Node, result: TransitionResult
) -> DestinationCandidate:
    if not result.success or result.is_no_op or result.target_state is None:
        reason = str(result.metadata.get("reason", "rejected"))
        return DestinationCandidate(trigger, label, False, reason, result)
    if dest not in active_states(kernel.atoms(result.target_state)):
        return DestinationCandidate(trigger, label, False, "reaches_other_state", result)
    return DestinationCandidate(trigger, label, True, "ok", result)


def _verdict(state: str, destination: str, outcomes: list[DestinationCandidate]) -> DestinationCheckResult:
    passing = [c.trigger for c in outcomes if c.executable]
    metadata: dict[str, Any] = {"triggers": passing}
    if not passing:
        metadata["reason"] = "no_passing_transition"
    return DestinationCheckResult(bool(passing), state, destination, tuple(outcomes), metadata)

"""One microstep (SCXML ``microstep``): exit, transition and enter for a set of selected candidates.

The result is a ``Step``: the states exited (reverse document order) and entered (document order),
the planned actions of each phase, the new atoms, the timers to cancel and start, and the history
records written by exiting states that are the parent of a history target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pystator.engine.hierarchy import (
    active_states,
    add_ancestor_states_to_enter,
    add_descendant_states_to_enter,
)
from pystator.engine.history import history_entry_nodes, record_for
from pystator.engine.nodes import Candidate, Node
from pystator.engine.parallel import format_atoms
from pystator.result import ActionSpec, TimerSpec

__all__ = ["Step", "microstep"]


class Step:
    """The outcome of one microstep (immutable once built)."""

    __slots__ = (
        "atoms",
        "candidates",
        "enter_actions",
        "enters",
        "exit_actions",
        "exits",
        "history_updates",
        "transition_actions",
        "value",
    )

    def __init__(
        self,
        *,
        atoms: tuple[Node, ...],
        candidates: tuple[Candidate, ...],
        exits: tuple[Node, ...],
        enters: tuple[Node, ...],
        exit_actions: tuple[ActionSpec, ...],
        transition_actions: tuple[ActionSpec, ...],
        enter_actions: tuple[ActionSpec, ...],
        history_updates: tuple[tuple[str, str], ...],
    ) -> None:
        self.atoms = atoms
        self.candidates = candidates
        self.exits = exits
        self.enters = enters
        self.exit_actions = exit_actions
        self.transition_actions = transition_actions
        self.enter_actions = enter_actions
        self.history_updates = history_updates
        self.value = format_atoms(atoms)

    @property
    def timers_to_cancel(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.exits if state.timers)

    @property
    def timers_to_start(self) -> tuple[TimerSpec, ...]:
        return tuple(timer for state in self.enters for timer in state.timers)


def microstep(
    atoms: tuple[Node, ...],
    candidates: tuple[Candidate, ...],
    states: Mapping[str, Node],
    history_parents: frozenset[Node],
    records: Mapping[str, Any] | None,
) -> Step:
    active = active_states(atoms)
    exited: set[Node] = set()
    to_enter: set[Node] = set()
    loud_exits: set[Node] = set()  # internal transitions exit and enter without running actions
    loud_enters: set[Node] = set()
    for candidate in candidates:
        if candidate.stays:
            continue
        domain = candidate.domain
        exits = {state for state in active if state.is_descendant_of(domain)}
        enters: set[Node] = set()
        transition = candidate.transition
        if transition.history is not None:
            history_entry_nodes(
                transition.history, transition.deep, domain, records=records, states=states, to_enter=enters
            )
        else:
            target = transition.target
            assert target is not None
            add_descendant_states_to_enter(target, enters)
            add_ancestor_states_to_enter(target, domain, enters)
        if not transition.internal:
            loud_exits |= exits
            loud_enters |= enters
        exited |= exits
        to_enter |= enters
    exits_ordered = tuple(sorted((s for s in exited if not s.is_region), key=_order, reverse=True))
    enters_ordered = tuple(sorted((s for s in to_enter if not s.is_region), key=_order))
    new_atoms = tuple(
        sorted([a for a in atoms if a not in exited] + [s for s in enters_ordered if s.is_leaf], key=_order)
    )
    return Step(
        atoms=new_atoms,
        candidates=candidates,
        exits=exits_ordered,
        enters=enters_ordered,
        exit_actions=tuple(spec for state in exits_ordered if state in loud_exits for spec in state.on_exit),
        transition_actions=tuple(spec for c in candidates for spec in c.transition.actions),
        enter_actions=tuple(
            spec for state in enters_ordered if state in loud_enters for spec in state.on_enter
        ),
        history_updates=tuple(
            (state.name, record_for(state, atoms)) for state in exits_ordered if state in history_parents
        ),
    )


def _order(node: Node) -> int:
    return node.order

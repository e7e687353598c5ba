"""Shallow and deep history for a stateless engine.

The engine keeps no memory, so the caller carries the history records: a mapping
``{state name: recorded configuration}`` under the reserved context key ``"_history"``. Whenever a
transition exits a state that is the parent of some ``H(state)`` / ``H*(state)`` target, the result
lists the new record in ``TransitionResult.history_updates``; ``merge_history(context, result)``
returns the context with them merged, which is what ``EntitySession`` and the ``Orchestrator`` store.

A record is the stored form of the configuration below the state when it was exited: a leaf name,
or a parallel state's stored form. ``H*(p)`` (deep) re-enters exactly that configuration; ``H(p)``
(shallow) re-enters the recorded child of ``p`` and goes on by default (its initial states). With no
(or an unusable) record, both enter ``p`` by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pystator.engine.hierarchy import add_ancestor_states_to_enter, add_descendant_states_to_enter
from pystator.engine.nodes import Node
from pystator.engine.parallel import format_atoms, parse_configuration
from pystator.engine.reserved import HISTORY_KEY
from pystator.errors import FSMError

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["history_entry_nodes", "merge_history", "record_for"]


def record_for(state: Node, atoms: tuple[Node, ...]) -> str:
    """The record to keep for ``state`` when it is exited from the configuration ``atoms``."""
    below = tuple(atom for atom in atoms if state in atom.ancestor_set)
    if not below:
        return state.name
    return format_atoms(below)


def history_entry_nodes(
    parent: Node,
    deep: bool,
    domain: Node | None,
    *,
    records: Mapping[str, Any] | None,
    states: Mapping[str, Node],
    to_enter: set[Node],
) -> None:
    """Add to ``to_enter`` what entering ``H(parent)`` (or ``H*(parent)`` when ``deep``) enters."""
    recorded = _recorded_atoms(parent, records, states)
    if not recorded:
        starts: tuple[Node, ...] = parent.regions if parent.is_parallel else (parent.initial or parent,)
    elif deep:
        starts = recorded
    else:
        starts = tuple(dict.fromkeys(_child_towards(parent, atom) for atom in recorded))
    for node in starts:
        add_descendant_states_to_enter(node, to_enter)
        add_ancestor_states_to_enter(node, domain, to_enter)


def _recorded_atoms(
    parent: Node, records: Mapping[str, Any] | None, states: Mapping[str, Node]
) -> tuple[Node, ...]:
    if not records:
        return ()
    record = records.get(parent.name)
    if not isinstance(record, str):
        return ()
    try:
        atoms = parse_configuration(record, states)
    except FSMError:
        return ()  # a record from an older machine version: fall back to the default entry
    if not atoms or any(parent not in atom.ancestor_set for atom in atoms):
        return ()
    return atoms


def _child_towards(parent: Node, atom: Node) -> Node:
    """The child of ``parent`` (a state, or a region's member) on the way down to ``atom``."""
    node = atom
    for ancestor in atom.ancestors:
        if ancestor is parent or (ancestor.is_region and ancestor.parent is parent):
            return node
        node = ancestor
    return atom


def merge_history(context: Mapping[str, Any], result: TransitionResult) -> dict[str, Any]:
    """A copy of ``context`` with the result's history records merged under ``"_history"``."""
    merged = dict(context)
    updates = getattr(result, "history_updates", None)
    if result.success and updates:
        previous = context.get(HISTORY_KEY)
        records = dict(previous) if isinstance(previous, Mapping) else {}
        records.update(updates)
        merged[HISTORY_KEY] = records
    return merged

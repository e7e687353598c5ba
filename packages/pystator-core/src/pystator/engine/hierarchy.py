"""Statechart geometry, named after the SCXML algorithm: transition domains, exit sets, entry sets.

A configuration is the tuple of its *atoms*: the deepest active states (one per active region), in
document order. The active states are the atoms and all their ancestors.
"""

from __future__ import annotations

from collections.abc import Iterable

from pystator.engine.nodes import Node

__all__ = [
    "active_states",
    "add_ancestor_states_to_enter",
    "add_descendant_states_to_enter",
    "default_atoms",
    "find_lcca",
    "region_of",
]


def find_lcca(source: Node, target: Node, *, target_inclusive: bool = False) -> Node | None:
    """The least common compound ancestor: the nearest proper ancestor of ``source`` that is not a
    parallel state and contains ``target`` (None stands for the whole machine).

    With ``target_inclusive`` the ancestor may be ``target`` itself; used for history targets, which
    behave as a child of their parent.
    """
    for ancestor in source.ancestors:
        if ancestor.is_parallel:
            continue
        if (target_inclusive and ancestor is target) or ancestor in target.ancestor_set:
            return ancestor
    return None


def add_descendant_states_to_enter(node: Node, to_enter: set[Node]) -> None:
    """Enter ``node`` and, by default, its initial descendants (every region of a parallel state)."""
    to_enter.add(node)
    if node.is_parallel:
        for region in node.regions:
            if not any(s.is_descendant_of(region) for s in to_enter):
                add_descendant_states_to_enter(region, to_enter)
    elif node.initial is not None:
        add_descendant_states_to_enter(node.initial, to_enter)


def add_ancestor_states_to_enter(node: Node, domain: Node | None, to_enter: set[Node]) -> None:
    """Enter the ancestors of ``node`` below ``domain``; entering a parallel state enters all its regions."""
    for ancestor in node.ancestors:
        if ancestor is domain:
            return
        to_enter.add(ancestor)
        if ancestor.is_parallel:
            for region in ancestor.regions:
                if not any(s is region or s.is_descendant_of(region) for s in to_enter):
                    add_descendant_states_to_enter(region, to_enter)


def default_atoms(node: Node) -> tuple[Node, ...]:
    """The atoms reached by entering ``node`` by default (itself when it is a leaf)."""
    to_enter: set[Node] = set()
    add_descendant_states_to_enter(node, to_enter)
    return atoms_of(to_enter)


def atoms_of(nodes: Iterable[Node]) -> tuple[Node, ...]:
    return tuple(sorted((n for n in nodes if n.is_leaf and not n.is_region), key=_order))


def active_states(atoms: tuple[Node, ...]) -> set[Node]:
    active: set[Node] = set(atoms)
    for atom in atoms:
        active.update(atom.ancestors)
    return active


def region_of(node: Node) -> Node | None:
    """The nearest enclosing region node, if any."""
    for ancestor in node.ancestors:
        if ancestor.is_region:
            return ancestor
    return None


def _order(node: Node) -> int:
    return node.order

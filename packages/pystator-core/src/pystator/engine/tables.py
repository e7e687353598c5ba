"""A state's candidate tables, built the first time ``process`` (or a query) reads them.

For every key (a trigger, a timer trigger, ``None`` for eventless (``auto``) transitions and
``BRANCH`` for the outgoing transitions of a choice state) the candidates are the state's own, in
definition order, then those of its nearest state ancestor (whose tables are built first). Loading
resolves every transition and refuses every invalid one; only this arrangement waits for first use,
so that a machine of thousands of states loads without building tables for states never visited.
"""

from __future__ import annotations

import threading

from pystator.engine.hierarchy import find_lcca
from pystator.engine.nodes import Candidate, CompiledTransition, Node, PendingTable
from pystator.engine.reserved import after_trigger

__all__ = ["BRANCH", "build_tables", "transition_keys"]

BRANCH = "\x00branch"  # key of a choice state's outgoing transitions (never a trigger)

# One build at a time: a machine is shared between threads, and a state's tables must be set once.
_BUILDING = threading.RLock()


def build_tables(node: Node) -> None:
    """Set ``node.table``, ``node.auto`` and ``node.branches`` of a state (after its ancestors').

    ``auto`` and ``branches`` are read without a placeholder: a machine with eventless transitions
    or choice states builds every state's tables when it is compiled (``compiler.py``).
    """
    with _BUILDING:
        if isinstance(node.table, PendingTable):
            parent = next((a for a in node.ancestors if not a.is_region), None)
            if parent is not None:
                build_tables(parent)
            _arrange(node, parent, _own_candidates(node))


def transition_keys(transition: CompiledTransition, source: Node) -> tuple[str | None, ...]:
    """The keys under which ``transition`` is a candidate of ``source``."""
    if not (transition.timer_triggers or transition.after_ms is not None or transition.auto):
        return (transition.trigger, BRANCH) if source.is_choice else (transition.trigger,)
    keys: list[str | None] = [*transition.timer_triggers]
    if transition.trigger is not None:
        keys.append(transition.trigger)
    if transition.after_ms is not None:
        keys.append(after_trigger(source.name, transition.after_ms))
    if transition.auto:
        keys.append(None)
    if source.is_choice:
        keys.append(BRANCH)
    return tuple(dict.fromkeys(keys))


def _own_candidates(node: Node) -> dict[str | None, list[Candidate]]:
    own: dict[str | None, list[Candidate]] = {}
    for transition in node.outgoing or ():
        domain, stays = _domain(transition, node)
        for key in transition_keys(transition, node):
            candidate = Candidate(transition, node, domain, stays)
            if key in own:
                own[key].append(candidate)
            else:
                own[key] = [candidate]
    return own


def _domain(transition: CompiledTransition, source: Node) -> tuple[Node | None, bool]:
    """The transition domain (SCXML ``getTransitionDomain``) and whether nothing exits or enters."""
    target = transition.target
    history = transition.history
    if target is None and history is None:
        return None, True
    if transition.internal:
        if target is source:
            return None, True
        inner = history if history is not None else target
        assert inner is not None
        if (inner is source and history is not None) or source in inner.ancestor_set:
            return source, False
    region = transition.region
    if region is not None and region not in source.ancestor_set and source is not region:
        inner = history if history is not None else target
        if inner is not None and region in inner.ancestor_set:
            return region, False
    if history is not None:
        return find_lcca(source, history, target_inclusive=True), False
    assert target is not None
    return find_lcca(source, target), False


def _arrange(node: Node, parent: Node | None, own: dict[str | None, list[Candidate]]) -> None:
    """This state's own candidates first, then its nearest state ancestor's (``node.table`` last:
    it is what tells other readers the tables are ready)."""
    table: dict[str, tuple[Candidate, ...]] = {}
    if parent is None:
        for key, candidates in own.items():
            if key is not None and key != BRANCH:
                table[key] = tuple(candidates)
    else:
        inherited = parent.table
        for key, candidates in own.items():
            if key is None or key == BRANCH:
                continue
            mine = {c.transition for c in candidates}
            table[key] = (*candidates, *(c for c in inherited.get(key, ()) if c.transition not in mine))
        for key, candidates_ in inherited.items():
            table.setdefault(key, candidates_)
    own_auto = own.get(None)
    inherited_auto = parent.auto if parent is not None else ()
    if own_auto or inherited_auto:
        mine_auto = {c.transition for c in own_auto or ()}
        node.auto = (*(own_auto or ()), *(c for c in inherited_auto if c.transition not in mine_auto))
    branches = own.get(BRANCH)
    if branches:
        node.branches = tuple(branches)
    node.table = table

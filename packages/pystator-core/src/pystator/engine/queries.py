"""Static queries over a compiled machine: state views, available transitions and triggers."""

from __future__ import annotations

from pystator.engine.compiled import CompiledMachine
from pystator.engine.hierarchy import default_atoms
from pystator.engine.nodes import CompiledTransition, Node
from pystator.engine.parallel import format_atoms
from pystator.engine.views import StateInfo, TransitionInfo

__all__ = ["available_transitions", "state_info", "state_parent", "transition_info"]


def state_parent(node: Node) -> Node | None:
    """The nearest ancestor that is a state (a region member's parent is the parallel state)."""
    return next((a for a in node.ancestors if not a.is_region), None)


def state_info(node: Node) -> StateInfo:
    definition = node.definition
    parent = state_parent(node)
    if node.is_parallel:
        children = tuple(child.name for region in node.regions for child in region.children)
    else:
        children = tuple(child.name for child in node.children)
    return StateInfo(
        name=node.name,
        type=node.type,
        parent=parent.name if parent is not None else None,
        children=children,
        description=definition.description,
        group=definition.group,
        initial_child=node.initial.name if node.is_compound and node.initial is not None else None,
        regions=tuple(region.name for region in node.regions),
        is_leaf=node.is_leaf,
        configuration=format_atoms(default_atoms(node)),
        metadata=dict(definition.metadata),
        definition=definition,
    )


def available_transitions(machine: CompiledMachine, atoms: tuple[Node, ...]) -> list[TransitionInfo]:
    """Event-triggered transitions that could fire from ``atoms`` (guards not evaluated), innermost
    source first, then in definition order."""
    if len(atoms) == 1 and atoms[0].is_terminal:
        return []
    seen: dict[CompiledTransition, tuple[int, int]] = {}
    for atom in atoms:
        for candidates in atom.table.values():
            for candidate in candidates:
                transition = candidate.transition
                if transition.trigger is None or transition in seen:
                    continue
                if transition.region is not None and transition.region not in atom.ancestor_set:
                    continue
                seen[transition] = (-candidate.source.depth, transition.index)
    ordered = sorted(seen, key=seen.__getitem__)
    return [transition_info(t) for t in ordered]


def transition_info(transition: CompiledTransition) -> TransitionInfo:
    """The public view of a transition (built once, on first use)."""
    info: TransitionInfo | None = transition.info
    if info is None:
        definition = transition.definition
        info = TransitionInfo(
            trigger=transition.trigger,
            source=frozenset(s.name for s in transition.sources),
            dest=definition.dest,
            guards=tuple(g.label for g in transition.guards),
            actions=tuple(a.name for a in transition.actions),
            after_ms=definition.after,
            auto=definition.auto,
            internal=definition.internal,
            region=definition.region,
            description=definition.description,
            index=transition.index,
            metadata=dict(definition.metadata),
            definition=definition,
        )
        transition.info = info
    return info

"""``compile_machine``: a validated ``MachineConfig`` -> ``CompiledMachine``.

All costly work happens here, once: the node tree, action plans, compiled guards, transition
domains, and for every state the candidate table ``trigger -> candidates`` (innermost source first,
then definition order) that ``process()`` reads with a single dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pystator.engine.actions import plan_actions
from pystator.engine.compiled import CompiledMachine
from pystator.engine.guards import GuardBinding, compile_guards
from pystator.engine.hierarchy import default_atoms, find_lcca
from pystator.engine.nodes import Candidate, CompiledTransition, Node
from pystator.engine.reserved import after_trigger, timeout_trigger
from pystator.engine.tree import StateTree, build_tree
from pystator.errors import ConfigurationError
from pystator.result import TimerSpec

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig, TransitionDef

__all__ = ["compile_machine"]

BRANCH = "\x00branch"  # key of a choice state's outgoing transitions (never a trigger)
_NORMALIZERS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}


def compile_machine(config: MachineConfig, binding: GuardBinding) -> CompiledMachine:
    tree = build_tree(config.states)
    states = tree.states
    initial = _initial_state(tree)
    normalizer = _NORMALIZERS.get(config.meta.event_normalizer or "")
    for node in states.values():
        if node.definition.on_enter:
            node.on_enter = plan_actions(node.definition.on_enter, "enter", node.name)
        if node.definition.on_exit:
            node.on_exit = plan_actions(node.definition.on_exit, "exit", node.name)
    transitions = tuple(
        _compile_transition(i, t, states=states, tree=tree, binding=binding, normalizer=normalizer)
        for i, t in enumerate(config.transitions)
    )
    timeouts = _timeout_transitions(states, len(transitions))
    _attach_timers(states, transitions)
    own = _own_candidates(states, (*transitions, *timeouts))
    for node in _preorder(tree.roots):
        _build_tables(node, own.get(node, {}))
        if not node.is_leaf:
            node.default = default_atoms(node)
    history_parents = frozenset(t.history for t in transitions if t.history is not None)
    joins = tuple(
        node
        for node in states.values()
        if node.is_parallel and all(region.final is not None for region in node.regions)
    )
    triggers = frozenset(key for node in states.values() for key in node.table)
    user_triggers = tuple(dict.fromkeys(t.trigger for t in transitions if t.trigger is not None))
    return CompiledMachine(
        states=states,
        regions=tree.regions,
        roots=tree.roots,
        initial=initial,
        transitions=transitions,
        triggers=triggers,
        user_triggers=user_triggers,
        history_parents=history_parents,
        joins=joins,
        normalizer=normalizer,
        reject_invalid_events=config.meta.effective_reject_invalid_events,
        validator=_context_validator(config),
        binding=binding,
    )


def _initial_state(tree: StateTree) -> Node:
    initial = [node for node in tree.roots if node.type == "initial"]
    if len(initial) != 1:
        found = ", ".join(n.name for n in initial) or "none"
        raise ConfigurationError(f"states: expected exactly one top-level initial state, found {found}")
    return initial[0]


def _context_validator(config: MachineConfig) -> Any:
    if not config.meta.validate_context:
        return None
    from pystator.context_validation import compile_context_validator

    return compile_context_validator(config)


def _compile_transition(
    index: int,
    definition: TransitionDef,
    *,
    states: dict[str, Node],
    tree: StateTree,
    binding: GuardBinding,
    normalizer: Callable[[str], str] | None,
) -> CompiledTransition:
    transition = CompiledTransition(index)
    transition.definition = definition
    trigger = definition.trigger
    transition.trigger = normalizer(trigger) if normalizer is not None and trigger is not None else trigger
    transition.after_ms = definition.after
    transition.auto = definition.auto
    transition.internal = definition.internal
    transition.sources = _resolve_sources(definition.source, states, index)
    _resolve_dest(transition, definition.dest, states, index)
    if definition.region is not None:
        region = tree.regions.get(definition.region)
        if region is None:
            raise ConfigurationError(f"transitions[{index}].region: unknown region {definition.region!r}")
        transition.region = region
    if definition.guards:
        transition.guards = compile_guards(definition.guards, binding, path=f"transitions[{index}].guards")
        transition.pure = all(guard.pure for guard in transition.guards)
    if definition.actions:
        transition.actions = plan_actions(definition.actions, "transition", None)
    return transition


def _resolve_sources(written: str | list[str], states: dict[str, Node], index: int) -> tuple[Node, ...]:
    path = f"transitions[{index}]"
    if isinstance(written, str):
        node = states.get(written)
        if node is not None:
            return (node,)
        sources: list[str] = [written]
    else:
        sources = written
    resolved: dict[Node, None] = {}
    for source in sources:
        if source == "*":
            resolved.update(
                dict.fromkeys(n for n in states.values() if not n.is_terminal and not n.is_choice)
            )
            continue
        parent_name, _, point = source.partition(":")
        if point:
            parent = _state(states, parent_name, f"{path}.source")
            node = _state(states, point, f"{path}.source")
            if point not in parent.exit_points or parent not in node.ancestor_set:
                raise ConfigurationError(
                    f"{path}.source: {point!r} is not an exit point of {parent_name!r} "
                    f"(exit_points: {sorted(parent.exit_points)})"
                )
            resolved[node] = None
        else:
            resolved[_state(states, source, f"{path}.source")] = None
    return tuple(resolved)


def _resolve_dest(
    transition: CompiledTransition, dest: str | None, states: dict[str, Node], index: int
) -> None:
    if dest is None:
        return
    node = states.get(dest)
    if node is not None:
        transition.target = node
        return
    path = f"transitions[{index}]"
    if dest.startswith("H"):
        deep = dest.startswith("H*(")
        parent = _state(states, dest[3 if deep else 2 : -1], f"{path}.dest")
        transition.history, transition.deep = parent, deep
        return
    parent_name, _, point = dest.partition(":")
    if point:
        parent = _state(states, parent_name, f"{path}.dest")
        node = _state(states, point, f"{path}.dest")
        if point not in parent.entry_points or parent not in node.ancestor_set:
            raise ConfigurationError(
                f"{path}.dest: {point!r} is not an entry point of {parent_name!r} "
                f"(entry_points: {sorted(parent.entry_points)})"
            )
        transition.target = node
        return
    transition.target = _state(states, dest, f"{path}.dest")


def _state(states: dict[str, Node], name: str, path: str) -> Node:
    node = states.get(name)
    if node is None:
        raise ConfigurationError(f"{path}: unknown state {name!r}")
    return node


def _timeout_transitions(states: dict[str, Node], first_index: int) -> tuple[CompiledTransition, ...]:
    """A state ``timeout`` behaves as a guardless transition on the reserved timeout trigger."""
    compiled: list[CompiledTransition] = []
    for node in states.values():
        timeout = node.definition.timeout
        if timeout is None:
            continue
        transition = CompiledTransition(first_index + len(compiled))
        transition.sources = (node,)
        transition.target = _state(states, timeout.destination, f"states.{node.name}.timeout.destination")
        transition.timer_triggers = (timeout_trigger(node.name),)
        compiled.append(transition)
        delay = round(timeout.seconds * 1000)
        trigger = timeout_trigger(node.name)
        spec = TimerSpec(f"{node.name}:timeout", node.name, delay, trigger, "timeout", timeout.destination)
        node.timers = (*node.timers, spec)
    return tuple(compiled)


def _attach_timers(states: dict[str, Node], transitions: tuple[CompiledTransition, ...]) -> None:
    for transition in transitions:
        delay = transition.after_ms
        if delay is None:
            continue
        for source in transition.sources:
            trigger = after_trigger(source.name, delay)
            timer_id = f"{source.name}:after:{delay}"
            if all(t.timer_id != timer_id for t in source.timers):
                dest = transition.definition.dest
                source.timers = (
                    *source.timers,
                    TimerSpec(timer_id, source.name, delay, trigger, "after", dest),
                )


def _own_candidates(
    states: dict[str, Node], transitions: tuple[CompiledTransition, ...]
) -> dict[Node, dict[str | None, list[Candidate]]]:
    """Per source state, its own candidates by key: a trigger, a timer trigger, ``None`` for eventless
    (``auto``) transitions and ``BRANCH`` for the outgoing transitions of a choice state."""
    own: dict[Node, dict[str | None, list[Candidate]]] = {}
    for transition in transitions:
        plain = not (transition.timer_triggers or transition.after_ms is not None or transition.auto)
        for source in transition.sources:
            if plain and not source.is_choice:
                domain, stays = _domain(transition, source)
                by_trigger = own.setdefault(source, {})
                candidate = Candidate(transition, source, domain, stays)
                if transition.trigger in by_trigger:
                    by_trigger[transition.trigger].append(candidate)
                else:
                    by_trigger[transition.trigger] = [candidate]
                continue
            keys: list[str | None] = [*transition.timer_triggers]
            if transition.trigger is not None:
                keys.append(transition.trigger)
            if transition.after_ms is not None:
                keys.append(after_trigger(source.name, transition.after_ms))
            if transition.auto:
                keys.append(None)
            if source.is_choice:
                keys.append(BRANCH)
            domain, stays = _domain(transition, source)
            by_key = own.setdefault(source, {})
            for key in dict.fromkeys(keys):
                by_key.setdefault(key, []).append(Candidate(transition, source, domain, stays))
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


def _build_tables(node: Node, own: dict[str | None, list[Candidate]]) -> None:
    """Candidate tables: this state's own candidates first, then its nearest state ancestor's."""
    parent = next((a for a in node.ancestors if not a.is_region), None)
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
    node.table = table
    own_auto = own.get(None)
    inherited_auto = parent.auto if parent is not None else ()
    if own_auto or inherited_auto:
        mine_auto = {c.transition for c in own_auto or ()}
        node.auto = (*(own_auto or ()), *(c for c in inherited_auto if c.transition not in mine_auto))
    branches = own.get(BRANCH)
    if branches:
        node.branches = tuple(branches)


def _preorder(roots: tuple[Node, ...]) -> list[Node]:
    ordered: list[Node] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if not node.is_region:
            ordered.append(node)
        stack.extend(reversed(node.children))
    return ordered

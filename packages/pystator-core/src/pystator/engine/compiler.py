"""``compile_machine``: a validated ``MachineConfig`` -> ``CompiledMachine``.

All checking and resolving happens here, once: the node tree, action plans, compiled guards, every
transition's sources and target, timers, the triggers the machine knows. Each state's candidate
table ``trigger -> candidates`` (innermost source first, then definition order), which
``process()`` reads with a single dict lookup, is arranged from these on first use (``tables.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pystator.engine.actions import plan_actions
from pystator.engine.compiled import CompiledMachine
from pystator.engine.guards import GuardBinding, compile_guards
from pystator.engine.hierarchy import default_atoms
from pystator.engine.nodes import CompiledTransition, Node
from pystator.engine.reserved import after_trigger, timeout_trigger
from pystator.engine.tables import BRANCH, build_tables, transition_keys
from pystator.engine.tree import StateTree, build_tree
from pystator.errors import ConfigurationError
from pystator.result import TimerSpec

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig, TransitionDef

__all__ = ["compile_machine"]

_NORMALIZERS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}


def compile_machine(config: MachineConfig, binding: GuardBinding) -> CompiledMachine:
    tree = build_tree(config.states)
    states = tree.states
    initial = _initial_state(tree)
    normalizer = _NORMALIZERS.get(config.meta.event_normalizer or "")
    for node in states.values():
        fields = node.definition.__dict__  # see _compile_transitions
        if fields["on_enter"]:
            node.on_enter = plan_actions(fields["on_enter"], "enter", node.name)
        if fields["on_exit"]:
            node.on_exit = plan_actions(fields["on_exit"], "exit", node.name)
        if not node.is_leaf:
            node.default = default_atoms(node)
    transitions = _compile_transitions(config.transitions, tree, binding, normalizer)
    timeouts = _timeout_transitions(states, len(transitions))
    _attach_timers([t for t in transitions if t.after_ms is not None])
    triggers = _link_sources((*transitions, *timeouts))
    has_auto = any(t.auto and t.sources for t in transitions)
    if has_auto or any(node.is_choice for node in states.values()):
        for node in states.values():  # ``auto`` and ``branches`` must be right before first use
            build_tables(node)
    history_parents = frozenset(t.history for t in transitions if t.history is not None)
    joins = tuple(
        node
        for node in states.values()
        if node.is_parallel and all(region.final is not None for region in node.regions)
    )
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
        has_auto=has_auto,
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


def _compile_transitions(
    definitions: list[TransitionDef],
    tree: StateTree,
    binding: GuardBinding,
    normalizer: Callable[[str], str] | None,
) -> tuple[CompiledTransition, ...]:
    states = tree.states
    compiled: list[CompiledTransition] = []
    for index, definition in enumerate(definitions):
        # The fields as a dict: every attribute read of a pydantic model goes through the slow
        # ``BaseModel.__getattr__`` hook, and nine reads per transition add up in a large machine.
        fields = definition.__dict__
        trigger, source, dest = fields["trigger"], fields["source"], fields["dest"]
        if normalizer is not None and trigger is not None:
            trigger = normalizer(trigger)
        node = states.get(source) if type(source) is str else None
        sources = (node,) if node is not None else _resolve_sources(source, states, index)
        target = states.get(dest) if dest is not None else None
        transition = CompiledTransition(
            index,
            definition,
            trigger,
            sources,
            target,
            after_ms=fields["after"],
            auto=fields["auto"],
            internal=fields["internal"],
        )
        if target is None and dest is not None:
            _resolve_dest(transition, dest, states, index)
        region_name = fields["region"]
        if region_name is not None:
            region = tree.regions.get(region_name)
            if region is None:
                raise ConfigurationError(f"transitions[{index}].region: unknown region {region_name!r}")
            transition.region = region
        guards, actions = fields["guards"], fields["actions"]
        if guards:
            transition.guards = compile_guards(guards, binding, path=f"transitions[{index}].guards")
            transition.pure = all(guard.pure for guard in transition.guards)
        if actions:
            transition.actions = plan_actions(actions, "transition", None)
        compiled.append(transition)
    return tuple(compiled)


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
            points = parent.definition.exit_points
            if point not in points or parent not in node.ancestor_set:
                raise ConfigurationError(
                    f"{path}.source: {point!r} is not an exit point of {parent_name!r} "
                    f"(exit_points: {sorted(set(points))})"
                )
            resolved[node] = None
        else:
            resolved[_state(states, source, f"{path}.source")] = None
    return tuple(resolved)


def _resolve_dest(
    transition: CompiledTransition, dest: str | None, states: dict[str, Node], index: int
) -> None:
    """A destination that is not a plain state name: history, or ``parent:entry_point``."""
    if dest is None:
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
        points = parent.definition.entry_points
        if point not in points or parent not in node.ancestor_set:
            raise ConfigurationError(
                f"{path}.dest: {point!r} is not an entry point of {parent_name!r} "
                f"(entry_points: {sorted(set(points))})"
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
        target = _state(states, timeout.destination, f"states.{node.name}.timeout.destination")
        transition = CompiledTransition(first_index + len(compiled), sources=(node,), target=target)
        transition.timer_triggers = (timeout_trigger(node.name),)
        compiled.append(transition)
        delay = round(timeout.seconds * 1000)
        trigger = timeout_trigger(node.name)
        spec = TimerSpec(f"{node.name}:timeout", node.name, delay, trigger, "timeout", timeout.destination)
        node.timers = (*node.timers, spec)
    return tuple(compiled)


def _attach_timers(delayed: list[CompiledTransition]) -> None:
    """Each source of an ``after`` transition starts its timer when entered (one per delay)."""
    for transition in delayed:
        delay = transition.after_ms
        assert delay is not None
        for source in transition.sources:
            trigger = after_trigger(source.name, delay)
            timer_id = f"{source.name}:after:{delay}"
            if all(t.timer_id != timer_id for t in source.timers):
                dest = transition.definition.dest
                source.timers = (
                    *source.timers,
                    TimerSpec(timer_id, source.name, delay, trigger, "after", dest),
                )


def _link_sources(transitions: tuple[CompiledTransition, ...]) -> frozenset[str]:
    """Record each transition in its sources' ``outgoing`` lists; return every trigger, timer
    trigger included, that some state's candidate table will hold."""
    triggers: set[str | None] = set()
    for transition in transitions:
        sources = transition.sources
        for source in sources:
            outgoing = source.outgoing
            if outgoing is None:
                source.outgoing = [transition]
            else:
                outgoing.append(transition)
        if not sources:
            continue
        if transition.timer_triggers or transition.after_ms is not None:
            for source in sources:
                triggers.update(transition_keys(transition, source))
        else:
            triggers.add(transition.trigger)
    triggers.discard(None)
    triggers.discard(BRANCH)
    return frozenset(triggers)  # type: ignore[arg-type]

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
from pystator.engine.guards import GuardBinding, compile_guards, quick_test
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
    timed: list[Node] = []
    parallel: list[Node] = []
    has_choices = False
    for node in tree.notable:
        fields = node.definition.__dict__  # see _compile_transitions
        if node.is_parallel:
            parallel.append(node)
        elif node.is_choice:
            has_choices = True
        if fields["timeout"] is not None:
            timed.append(node)
        if fields["on_enter"]:
            node.on_enter = plan_actions(fields["on_enter"], "enter", node.name)
        if fields["on_exit"]:
            node.on_exit = plan_actions(fields["on_exit"], "exit", node.name)
    if len(tree.roots) < len(states):  # some state has children
        for node in states.values():
            if not node.is_leaf:
                node.default = default_atoms(node)
    found = _compile_transitions(config.transitions, tree, binding, normalizer)
    transitions = found.transitions
    timeouts = _timeout_transitions(timed, states, len(transitions))
    _attach_timers(found.delayed)
    triggers = found.triggers
    _link_sources(timeouts, triggers)
    triggers.discard(None)
    triggers.discard(BRANCH)
    if found.has_auto or has_choices:
        for node in states.values():  # ``auto`` and ``branches`` must be right before first use
            build_tables(node)
    joins = tuple(node for node in parallel if all(region.final is not None for region in node.regions))
    return CompiledMachine(
        states=states,
        regions=tree.regions,
        roots=tree.roots,
        initial=initial,
        transitions=transitions,
        triggers=frozenset(triggers),  # type: ignore[arg-type]
        user_triggers=tuple(found.user_triggers),
        history_parents=frozenset(found.history_parents),
        joins=joins,
        normalizer=normalizer,
        reject_invalid_events=config.meta.effective_reject_invalid_events,
        validator=_context_validator(config),
        binding=binding,
        has_auto=found.has_auto,
        has_choices=has_choices,
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


class _Transitions:
    """The compiled transitions and what the machine needs to know about them as a whole."""

    __slots__ = ("delayed", "has_auto", "history_parents", "transitions", "triggers", "user_triggers")

    def __init__(self) -> None:
        self.transitions: tuple[CompiledTransition, ...] = ()
        self.delayed: list[CompiledTransition] = []  # ``after`` transitions: their sources get timers
        self.triggers: set[str | None] = set()  # every key of some candidate table (see _link_sources)
        self.user_triggers: dict[str, None] = {}  # the triggers of the definitions, in order
        self.history_parents: set[Node] = set()
        self.has_auto = False

    def add(self, transition: CompiledTransition, source: Node | None) -> None:
        """Link ``transition`` to its sources (``source``: its one plain source state, if so)."""
        if source is not None and transition.after_ms is None:  # the common case of _link_sources
            if source.outgoing is None:
                source.outgoing = [transition]
            else:
                source.outgoing.append(transition)
            self.triggers.add(transition.trigger)
        else:
            _link_sources((transition,), self.triggers)
            if transition.after_ms is not None:
                self.delayed.append(transition)
        if transition.auto and transition.sources:
            self.has_auto = True
        if transition.history is not None:
            self.history_parents.add(transition.history)


def _compile_transitions(
    definitions: list[TransitionDef],
    tree: StateTree,
    binding: GuardBinding,
    normalizer: Callable[[str], str] | None,
) -> _Transitions:
    """Every transition resolved and linked to its sources (``Node.outgoing``), in one pass."""
    states = tree.states
    get_state = states.get
    found = _Transitions()
    user_triggers = found.user_triggers
    add_trigger = found.triggers.add
    compiled: list[CompiledTransition] = []
    append = compiled.append
    for index, definition in enumerate(definitions):
        # The fields as a dict: every attribute read of a pydantic model goes through the slow
        # ``BaseModel.__getattr__`` hook, and nine reads per transition add up in a large machine.
        fields = definition.__dict__
        trigger, source, dest, after = fields["trigger"], fields["source"], fields["dest"], fields["after"]
        if trigger is not None:
            if normalizer is not None:
                trigger = normalizer(trigger)
            user_triggers[trigger] = None
        node = get_state(source) if type(source) is str else None
        if node is None:
            sources = _resolve_sources(source, states, index)
        else:  # a leaf's default atoms are the one-tuple of itself: shared, not built again
            sources = node.default if node.is_leaf else (node,)
        target = get_state(dest) if dest is not None else None
        transition = CompiledTransition(index, definition, trigger, sources, target)
        if (
            after is not None
            or fields["auto"]
            or fields["internal"]
            or (target is None and dest is not None)
            or fields["region"] is not None
            or fields["guards"]
            or fields["actions"]
        ):
            _complete(transition, fields, tree, binding)
        append(transition)
        if node is not None and after is None and transition.history is None and not transition.auto:
            # The common case of ``_Transitions.add``, inline: one plain source, nothing else to note.
            outgoing = node.outgoing
            if outgoing is None:
                node.outgoing = [transition]
            else:
                outgoing.append(transition)
            add_trigger(trigger)
        else:
            found.add(transition, node)
    found.transitions = tuple(compiled)
    return found


def _complete(
    transition: CompiledTransition, fields: dict[str, Any], tree: StateTree, binding: GuardBinding
) -> None:
    """What a plain transition lacks: options, a destination other than a state, a region, guards,
    actions. (Set here rather than passed to ``CompiledTransition``: keyword arguments cost as much
    as the rest of that call.)"""
    index = transition.index
    transition.after_ms = fields["after"]
    transition.auto = fields["auto"]
    transition.internal = fields["internal"]
    dest = fields["dest"]
    if transition.target is None and dest is not None:
        _resolve_dest(transition, dest, tree.states, index)
    region_name = fields["region"]
    if region_name is not None:
        region = tree.regions.get(region_name)
        if region is None:
            raise ConfigurationError(f"transitions[{index}].region: unknown region {region_name!r}")
        transition.region = region
        transition.test = None
    if fields["guards"]:
        transition.guards = compile_guards(fields["guards"], binding, path=f"transitions[{index}].guards")
        transition.pure = all(guard.pure for guard in transition.guards)
        if region_name is None:
            transition.test = quick_test(transition.guards)
    if fields["actions"]:
        transition.actions = plan_actions(fields["actions"], "transition", None)


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


def _timeout_transitions(
    timed: list[Node], states: dict[str, Node], first_index: int
) -> tuple[CompiledTransition, ...]:
    """A state ``timeout`` behaves as a guardless transition on the reserved timeout trigger."""
    compiled: list[CompiledTransition] = []
    for node in timed:
        timeout = node.definition.timeout
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


def _link_sources(transitions: tuple[CompiledTransition, ...], triggers: set[str | None]) -> None:
    """Record each transition in its sources' ``outgoing`` lists and add to ``triggers`` the keys
    its candidates will have in their tables (``None`` and ``BRANCH`` included; the caller drops them)."""
    for transition in transitions:
        sources = transition.sources
        for source in sources:
            if source.outgoing is None:
                source.outgoing = [transition]
            else:
                source.outgoing.append(transition)
        if not sources:
            continue
        if transition.timer_triggers or transition.after_ms is not None:
            for source in sources:
                triggers.update(transition_keys(transition, source))
        else:
            triggers.add(transition.trigger)

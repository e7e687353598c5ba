"""Event paths through a compiled machine, for model-based testing.

The machine is explored breadth first from its initial state by calling ``process`` (nothing is
executed): a node is a stored configuration together with the history records the path has
written, so ``H(parent)`` targets resolve as they would for a real entity. Every user trigger is
tried from every node, each with the payloads given in ``events`` (or none), and every timer armed
in the node is tried by its timer trigger.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pystator.engine import merge_history
from pystator.event import Event

if TYPE_CHECKING:
    from pystator.engine.views import TransitionInfo
    from pystator.machine import StateMachine
    from pystator.result import TransitionResult

__all__ = [
    "EventPath",
    "PathStep",
    "explore",
    "shortest_paths",
    "simple_paths",
    "transition_paths",
    "transitions_taken",
]

_HISTORY = "_history"
DEFAULT_MAX_DEPTH = 32


@dataclass(frozen=True)
class PathStep:
    """One event of a path: the trigger sent (with its payload) and the stored states around it."""

    trigger: str
    source: str
    target: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    def event(self) -> Event:
        return Event(self.trigger, dict(self.payload))


@dataclass(frozen=True)
class EventPath:
    """The events that lead from the initial state to ``target`` (a stored configuration)."""

    initial: str
    steps: tuple[PathStep, ...]

    @property
    def target(self) -> str:
        return self.steps[-1].target if self.steps else self.initial

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(step.trigger for step in self.steps)

    def __str__(self) -> str:
        return " -> ".join((self.initial, *(f"{s.trigger} -> {s.target}" for s in self.steps)))


@dataclass(frozen=True)
class _Node:
    state: str
    history: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Edge:
    step: PathStep
    result: TransitionResult
    node: _Node


def _context(base: Mapping[str, Any], node: _Node) -> dict[str, Any]:
    context = dict(base)
    if node.history:
        context[_HISTORY] = {**dict(base.get(_HISTORY) or {}), **dict(node.history)}
    return context


def _attempts(
    machine: StateMachine, state: str, events: Mapping[str, Sequence[Mapping[str, Any]]]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if machine.is_terminal(state):
        return
    available = set(machine.get_available_triggers(state))
    for trigger in machine.triggers:
        if trigger in available:
            yield from ((trigger, payload) for payload in (events.get(trigger) or ({},)))
    for timer in machine.timers_for(state):
        yield timer.trigger, {}


def _edges(
    machine: StateMachine,
    node: _Node,
    context: Mapping[str, Any],
    events: Mapping[str, Sequence[Mapping[str, Any]]],
) -> Iterator[_Edge]:
    base = _context(context, node)
    for trigger, payload in _attempts(machine, node.state, events):
        event = Event(trigger, dict(payload))
        result = machine.process(node.state, event, base)
        if not result.success or result.is_no_op or result.target_state is None:
            continue
        history = node.history
        if result.history_updates:
            merged = merge_history({_HISTORY: dict(history)}, result)[_HISTORY]
            history = tuple(sorted(merged.items()))
        step = PathStep(trigger, node.state, result.target_state, dict(payload))
        yield _Edge(step, result, _Node(result.target_state, history))


def explore(
    machine: StateMachine,
    *,
    context: Mapping[str, Any] | None = None,
    events: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Iterator[tuple[EventPath, TransitionResult]]:
    """Every step reachable from the initial state, breadth first: ``(path, result)`` where
    ``path`` is the shortest path ending with that step and ``result`` its ``TransitionResult``."""
    base, payloads = dict(context or {}), dict(events or {})
    start = _Node(machine.initial_state, ())
    seen = {start}
    queue: deque[tuple[_Node, tuple[PathStep, ...]]] = deque([(start, ())])
    while queue:
        node, steps = queue.popleft()
        if len(steps) >= max_depth:
            continue
        for edge in _edges(machine, node, base, payloads):
            path = (*steps, edge.step)
            yield EventPath(start.state, path), edge.result
            if edge.node not in seen:
                seen.add(edge.node)
                queue.append((edge.node, path))


def shortest_paths(
    machine: StateMachine,
    *,
    context: Mapping[str, Any] | None = None,
    events: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, EventPath]:
    """The shortest event path to every reachable stored configuration (the initial one included,
    with no steps), in the order they are first reached.

    ``context`` is the context every step is processed with; ``events`` gives, per trigger, the
    payloads to try (guards see them merged over the context), e.g. ``{"fill": [{"qty": 1},
    {"qty": 10}]}``.
    """
    paths = {machine.initial_state: EventPath(machine.initial_state, ())}
    for path, _ in explore(machine, context=context, events=events, max_depth=max_depth):
        paths.setdefault(path.target, path)
    return paths


def simple_paths(
    machine: StateMachine,
    *,
    context: Mapping[str, Any] | None = None,
    events: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    limit: int = 10_000,
) -> dict[str, list[EventPath]]:
    """Every simple path (no configuration visited twice) to every reachable configuration, at most
    ``max_depth`` steps long and ``limit`` paths in all (``ValueError`` beyond: narrow it)."""
    base, payloads = dict(context or {}), dict(events or {})
    start = _Node(machine.initial_state, ())
    found: dict[str, list[EventPath]] = {start.state: [EventPath(start.state, ())]}
    count = 1
    stack: list[tuple[_Node, tuple[PathStep, ...], frozenset[str]]] = [(start, (), frozenset({start.state}))]
    while stack:
        node, steps, visited = stack.pop()
        if len(steps) >= max_depth:
            continue
        edges = list(_edges(machine, node, base, payloads))
        for edge in reversed(edges):
            if edge.node.state in visited:
                continue
            path = (*steps, edge.step)
            found.setdefault(edge.node.state, []).append(EventPath(start.state, path))
            count += 1
            if count > limit:
                raise ValueError(
                    f"simple_paths: more than limit={limit} paths; lower max_depth or raise limit"
                )
            stack.append((edge.node, path, visited | {edge.node.state}))
    for paths in found.values():
        paths.sort(key=lambda p: (len(p.steps), p.triggers))
    return found


def transition_paths(
    machine: StateMachine,
    *,
    context: Mapping[str, Any] | None = None,
    events: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[int, EventPath]:
    """A shortest path whose last step takes each transition, by ``TransitionInfo.index``.

    Transitions missing from the result were never taken from any reachable configuration with
    the given context and payloads.
    """
    transitions = machine.transitions
    paths: dict[int, EventPath] = {}
    for path, result in explore(machine, context=context, events=events, max_depth=max_depth):
        for info in transitions_taken(machine, path.steps[-1].trigger, result, transitions):
            paths.setdefault(info.index, path)
        if len(paths) == len(transitions):
            break
    return paths


def transitions_taken(
    machine: StateMachine,
    trigger: str,
    result: TransitionResult,
    transitions: Sequence[TransitionInfo] | None = None,
) -> list[TransitionInfo]:
    """The transitions a successful result took, found from the configurations it passed through:
    a transition counts when its trigger (a timer trigger for ``after``; none for eventless, choice
    and completion steps) matches, one of its sources was active before the step, and its
    destination is active after it."""
    if result.target_state is None:
        return []
    chain = [result.source_state, *result.metadata.get("via", ()), result.target_state]
    taken: list[TransitionInfo] = []
    for info in transitions if transitions is not None else machine.transitions:
        for position, (before, after) in enumerate(pairwise(chain)):
            if _matches(machine, info, trigger if position == 0 else None, before, after):
                taken.append(info)
                break
    return taken


def _matches(
    machine: StateMachine, info: TransitionInfo, trigger: str | None, before: str, after: str
) -> bool:
    active_before = set(machine.active_states(before))
    if not info.source & active_before:
        return False
    if trigger is None:
        eventless = info.auto or info.trigger is None or str(info.trigger).startswith("done_state_")
        if not eventless and not any(machine.states[s].type == "choice" for s in info.source):
            return False
    elif not _trigger_matches(info, trigger):
        return False
    if info.dest is None:
        return before == after
    return _dest_name(info.dest) in machine.active_states(after)


def _trigger_matches(info: TransitionInfo, trigger: str) -> bool:
    if info.trigger == trigger:
        return True
    if info.after_ms is not None and trigger.startswith("__after__:"):
        _, state, delay = trigger.split(":", 2)
        return state in info.source and delay == str(info.after_ms)
    return False


def _dest_name(dest: str) -> str:
    if dest.endswith(")") and "(" in dest:
        return dest[dest.index("(") + 1 : -1]
    return dest.split(":", 1)[0]

"""Semantic rules about transitions: sources, destinations, regions, internal, choice and auto."""

from __future__ import annotations

from pystator_contracts._render import did_you_mean, one_of
from pystator_contracts.graph import parse_dest
from pystator_contracts.machine import TransitionDef
from pystator_contracts.validation._context import RuleContext

__all__ = ["check_transitions"]


def check_transitions(ctx: RuleContext) -> None:
    type_of = ctx.graph.type_of
    kind_of = type_of.get
    automatic: list[int] = []
    with_logic: list[int] = []
    for i, transition in enumerate(ctx.config.transitions):
        fields = transition.__dict__  # one read instead of six (see MachineGraph)
        if fields["guards"] or fields["actions"]:
            with_logic.append(i)
        auto = fields["auto"]
        if auto:
            automatic.append(i)
        # Skip the common shape that no rule below can object to (without building the paths of
        # messages that will never be written): one plain source state that a transition may
        # leave, a plain destination state or none, no region, not internal.
        source, dest = fields["source"], fields["dest"]
        kind = kind_of(source) if type(source) is str else None
        if (
            kind is not None
            and kind != "terminal"
            and (kind != "choice" or auto)
            and fields["region"] is None
            and not fields["internal"]
            and ":" not in source
            and source != "*"
            and (dest is None or (dest in type_of and ":" not in dest and "(" not in dest))
        ):
            continue
        _sources(ctx, i, transition)
        _dest(ctx, i, transition)
        _region(ctx, i, transition)
        _internal(ctx, i, transition)
    ctx.logic_transitions = with_logic
    _choice_states(ctx, automatic)
    _auto_cycles(ctx, automatic)


def _source_paths(ctx: RuleContext, i: int, transition: TransitionDef) -> list[tuple[str, str]]:
    if isinstance(transition.source, str):
        return [(transition.source, ctx.transition_path(i, "source"))]
    return [(source, ctx.transition_path(i, "source", k)) for k, source in enumerate(transition.source)]


def _sources(ctx: RuleContext, i: int, transition: TransitionDef) -> None:
    sources = _source_paths(ctx, i, transition)
    if len(sources) > 1 and any(source == "*" for source, _ in sources):
        ctx.add(ctx.transition_path(i, "source"), "'*' already means every non-terminal state; list it alone")
        return
    for source, path in sources:
        if source == "*":
            continue
        name = source
        if ":" in source:
            host, name = source.split(":", 1)
            if not ctx.known(host, path):
                continue
            points = ctx.graph.states[host].exit_points
            if name not in points:
                ctx.add(path, _not_a_point(name, host, "exit", points))
                continue
        if not ctx.known(name, path):
            continue
        if ctx.graph.is_terminal(name):
            ctx.add(path, f"{name!r} is a terminal state; no transition leaves it")
        elif ctx.graph.states[name].type == "choice" and not transition.auto:
            ctx.add(path, f"{name!r} is a choice state; its outgoing transitions need auto: true")


def _not_a_point(name: str, host: str, kind: str, points: list[str]) -> str:
    declared = f"{kind}_points: {one_of(points)}" if points else f"{host!r} declares no {kind}_points"
    return f"{name!r} is not an {kind} point of {host!r} ({declared})"


def _dest(ctx: RuleContext, i: int, transition: TransitionDef) -> None:
    if transition.dest is None:
        return
    path = ctx.transition_path(i, "dest")
    ref = parse_dest(transition.dest)
    if ref.via is not None:
        if ctx.known(ref.via, path):
            points = ctx.graph.states[ref.via].entry_points
            if ref.state not in points:
                ctx.add(path, _not_a_point(ref.state, ref.via, "entry", points))
        return
    if not ctx.known(ref.state, path):
        return
    if ref.history is not None and not ctx.graph.is_compound(ref.state):
        ctx.add(
            path, f"history target {transition.dest!r} needs a compound state; {ref.state!r} has no children"
        )


def _region(ctx: RuleContext, i: int, transition: TransitionDef) -> None:
    region = transition.region
    if region is None:
        return
    if region not in ctx.graph.regions:
        ctx.add(
            ctx.transition_path(i, "region"),
            f"unknown region {region!r}{did_you_mean(region, ctx.graph.regions)}",
        )
        return
    for source, path in _source_paths(ctx, i, transition):
        name = source.split(":", 1)[-1]
        if source != "*" and name in ctx.graph.states and not ctx.graph.in_region(name, region):
            ctx.add(path, f"{name!r} is not in region {region!r}")


def _internal(ctx: RuleContext, i: int, transition: TransitionDef) -> None:
    if not transition.internal or transition.dest is None:
        return
    target = parse_dest(transition.dest).state
    if target not in ctx.graph.states:
        return
    for source, _ in _source_paths(ctx, i, transition):
        name = source.split(":", 1)[-1]
        if source != "*" and name in ctx.graph.states and not ctx.graph.is_within(target, name):
            ctx.add(
                ctx.transition_path(i, "dest"),
                f"an internal transition stays inside its source; {target!r} is not {name!r} "
                "or a state inside it",
            )
            return


def _choice_states(ctx: RuleContext, automatic: list[int]) -> None:
    transitions = ctx.config.transitions
    for i in ctx.graph.notable:
        state = ctx.config.states[i]
        if state.type != "choice":
            continue
        leaves = [k for k in automatic if state.name in ctx.graph.source_states(transitions[k])]
        if not leaves:
            ctx.add(
                ctx.state_path(i), f"choice state {state.name!r} has no outgoing transition with auto: true"
            )


def _auto_cycles(ctx: RuleContext, automatic: list[int]) -> None:
    """Unguarded auto transitions that lead back to where they started would never stop."""
    edges: dict[str, list[tuple[str, int]]] = {}
    for i in automatic:
        transition = ctx.config.transitions[i]
        if transition.guards or transition.dest is None:
            continue
        for source in ctx.graph.source_states(transition):
            for entered in ctx.graph.entered(transition.dest):
                edges.setdefault(source, []).append((entered, i))
    reported: set[frozenset[str]] = set()
    for start in edges:
        cycle = _find_cycle(start, edges)
        if cycle is None:
            continue
        names, first_transition = cycle
        key = frozenset(names)
        if key in reported:
            continue
        reported.add(key)
        ctx.add(
            ctx.transition_path(first_transition),
            f"auto transitions without guards loop forever: {' -> '.join(names)}",
        )


def _find_cycle(start: str, edges: dict[str, list[tuple[str, int]]]) -> tuple[list[str], int] | None:
    """A path of edges from ``start`` back to ``start`` (depth-first), with its first transition."""
    stack: list[tuple[str, list[str], int]] = [(start, [start], -1)]
    visited: set[str] = set()
    while stack:
        node, trail, first = stack.pop()
        for target, transition in edges.get(node, []):
            via = transition if first < 0 else first
            if target == start:
                return [*trail, start], via
            if target not in visited:
                visited.add(target)
                stack.append((target, [*trail, target], via))
    return None

"""Semantic rules about states: names, the initial state, the hierarchy, regions, timeouts, groups."""

from __future__ import annotations

from collections.abc import Iterator

from pystator_contracts._render import did_you_mean, one_of
from pystator_contracts.machine import StateDef
from pystator_contracts.validation._context import RuleContext

__all__ = ["check_states"]


def check_states(ctx: RuleContext) -> None:
    _unique_names(ctx)
    _one_initial_state(ctx)
    _parents(ctx)
    _compound_states(ctx)
    _parallel_states(ctx)
    _entry_and_exit_points(ctx)
    _timeouts_and_groups(ctx)


def _notable(ctx: RuleContext) -> Iterator[tuple[int, StateDef]]:
    """The states a rule here can object to, with their indexes (``MachineGraph.notable``)."""
    states = ctx.config.states
    for i in ctx.graph.notable:
        yield i, states[i]


def _unique_names(ctx: RuleContext) -> None:
    if len(ctx.graph.index) == len(ctx.config.states):
        return
    for i, state in _notable(ctx):
        first = ctx.graph.index[state.name]
        if first != i:
            ctx.add(
                ctx.state_path(i, "name"),
                f"duplicate state name {state.name!r} (also {ctx.state_path(first)})",
            )


def _one_initial_state(ctx: RuleContext) -> None:
    initial: str | None = None
    for i, state in _notable(ctx):
        if state.type != "initial" or state.parent is not None:
            continue
        if initial is None:
            initial = state.name
        else:
            ctx.add(
                ctx.state_path(i, "type"), f"a second initial state {state.name!r} (the first is {initial!r})"
            )
    if initial is None:
        ctx.add("states", "no initial state (one top-level state needs type: initial)")


def _parents(ctx: RuleContext) -> None:
    reported_cycles: set[frozenset[str]] = set()
    graph = ctx.graph
    for i, state in _notable(ctx):
        if state.parent is None or graph.index[state.name] != i:
            continue
        if state.parent == state.name:
            ctx.add(ctx.state_path(i, "parent"), "a state cannot be its own parent")
        elif state.parent not in graph.states:
            ctx.unknown_state(ctx.state_path(i, "parent"), state.parent)
        else:
            cycle = graph.parent_cycle(state.name)
            if cycle is not None and frozenset(cycle) not in reported_cycles:
                reported_cycles.add(frozenset(cycle))
                ctx.add(ctx.state_path(i, "parent"), f"parents form a cycle: {' -> '.join(cycle)}")


def _compound_states(ctx: RuleContext) -> None:
    graph = ctx.graph
    for i, state in _notable(ctx):
        if graph.index[state.name] != i:
            continue
        children = graph.children.get(state.name, [])
        if state.type in ("terminal", "choice") and children:
            ctx.add(
                ctx.state_path(i, "type"), f"a {state.type} state cannot have children ({one_of(children)})"
            )
        if state.type == "parallel":
            if state.initial_child is not None:
                ctx.add(
                    ctx.state_path(i, "initial_child"),
                    "a parallel state enters every region; it has no initial_child",
                )
            continue
        typed_initial = [c for c in children if graph.states[c].type == "initial"]
        if state.initial_child is not None:
            path = ctx.state_path(i, "initial_child")
            if ctx.known(state.initial_child, path) and state.initial_child not in children:
                ctx.add(path, f"{state.initial_child!r} is not a child of {state.name!r}")
            for child in typed_initial:
                if child != state.initial_child:
                    ctx.add(
                        ctx.state_path_of(child, "type"),
                        f"{child!r} is typed initial, but its parent {state.name!r} starts at "
                        f"{state.initial_child!r} (initial_child)",
                    )
        elif children and state.name not in ctx.submachine_hosts:
            if len(typed_initial) > 1:
                ctx.add(
                    ctx.state_path(i, "initial_child"),
                    f"compound state {state.name!r} has several children typed initial "
                    f"({one_of(typed_initial)}); name one in initial_child",
                )
            else:
                ctx.add(
                    ctx.state_path(i),
                    f"compound state {state.name!r} needs initial_child (one of {one_of(children)})",
                )


def _parallel_states(ctx: RuleContext) -> None:
    seen_regions: dict[str, str] = {}
    placed: dict[str, str] = {}
    for i, state in _notable(ctx):
        if state.type != "parallel":
            if state.regions is not None:
                ctx.add(
                    ctx.state_path(i, "regions"),
                    f"only a parallel state has regions (this one is {state.type!r})",
                )
        elif not state.regions:
            ctx.add(ctx.state_path(i, "regions"), "a parallel state needs at least one region")
        else:
            for j in range(len(state.regions)):
                _region(ctx, i, j, seen_regions, placed)
            for child in ctx.graph.children.get(state.name, []):
                if not any(child in r.states for r in state.regions):
                    ctx.add(
                        ctx.state_path_of(child, "parent"),
                        f"{child!r} is a child of parallel state {state.name!r} but in none of its regions",
                    )


def _region(ctx: RuleContext, i: int, j: int, seen_regions: dict[str, str], placed: dict[str, str]) -> None:
    """Region ``j`` of parallel state ``i``: a unique name, known members that are children of the
    state and in no other region, and ``initial`` / ``final`` among its members."""
    state = ctx.config.states[i]
    region = (state.regions or [])[j]
    region_path = ctx.state_path(i, "regions", j)
    if region.name in seen_regions:
        ctx.add(
            f"{region_path}.name", f"duplicate region name {region.name!r} (also {seen_regions[region.name]})"
        )
    else:
        seen_regions[region.name] = region_path
    for k, member in enumerate(region.states):
        member_path = f"{region_path}.states[{k}]"
        if not ctx.known(member, member_path):
            continue
        if member in placed:
            ctx.add(member_path, f"{member!r} is already in region {placed[member]!r}")
            continue
        placed[member] = region.name
        parent = ctx.graph.states[member].parent
        if parent != state.name:
            where = f"its parent is {parent!r}" if parent is not None else "it is a top-level state"
            ctx.add(member_path, f"{member!r} is not a child of {state.name!r} ({where})")
    for key, value in (("initial", region.initial), ("final", region.final)):
        if value is not None and value not in region.states:
            hint = did_you_mean(value, region.states)
            ctx.add(f"{region_path}.{key}", f"{value!r} is not a member of region {region.name!r}{hint}")


def _entry_and_exit_points(ctx: RuleContext) -> None:
    for i, state in _notable(ctx):
        if not state.entry_points and not state.exit_points:
            continue
        for key, points in (("entry_points", state.entry_points), ("exit_points", state.exit_points)):
            for k, point in enumerate(points):
                path = ctx.state_path(i, key, k)
                if ctx.known(point, path) and (
                    point == state.name or not ctx.graph.is_within(point, state.name)
                ):
                    ctx.add(path, f"{point!r} is not a child of {state.name!r}")


def _timeouts_and_groups(ctx: RuleContext) -> None:
    groups = ctx.config.groups
    for i, state in _notable(ctx):
        if state.timeout is not None:
            if state.type == "terminal":
                ctx.add(ctx.state_path(i, "timeout"), "a terminal state cannot time out")
            if state.timeout.destination not in ctx.graph.states:
                ctx.unknown_state(ctx.state_path(i, "timeout", "destination"), state.timeout.destination)
        if groups and state.group is not None and state.group not in groups:
            hint = did_you_mean(state.group, groups) or f" (groups: {one_of(groups)})"
            ctx.add(ctx.state_path(i, "group"), f"unknown group {state.group!r}{hint}")

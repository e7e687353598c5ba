"""When-routing (``meta.classification``): move to the state whose ``when`` checks match the data.

A routing step from a configuration, given a context:

1. eventless (``auto``) transitions enabled in the configuration are taken first (trigger
   ``"__auto__"``);
2. otherwise the destination is the first state, in definition order, whose ``when`` checks all
   match the context, else ``classification.default_state``; nothing happens when there is none, or
   when it is already active, or when the configuration is terminal;
3. a defined transition leading there whose guards pass is taken (its own trigger); failing that the
   machine moves there directly (trigger ``"__route__"``: the exit and enter actions of the move,
   no transition actions).

``StateMachine.route`` performs one step, ``route_all`` repeats steps until nothing routes (at most
``max_depth``). Routing is explicit: ``process`` never routes; ``EntitySession.apply_data`` (and the
session after each change, when ``classification.auto_route`` is on) calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pystator.engine.hierarchy import active_states, find_lcca
from pystator.engine.kernel import AUTO_TRIGGER
from pystator.engine.microstep import microstep
from pystator.engine.nodes import Candidate, CompiledTransition, Node
from pystator.engine.results import success
from pystator.result import TransitionResult

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig

__all__ = ["AUTO_TRIGGER", "ROUTE_TRIGGER", "Router", "compile_router"]

ROUTE_TRIGGER = "__route__"

Predicate = Callable[[Mapping[str, Any]], bool]


class Router:
    """The compiled ``when`` checks of a machine, in definition order."""

    __slots__ = ("auto_route", "default", "routes")

    def __init__(
        self, routes: tuple[tuple[Node, Predicate], ...], default: Node | None, auto_route: bool
    ) -> None:
        self.routes = routes
        self.default = default
        self.auto_route = auto_route

    def destination(self, atoms: tuple[Node, ...], context: Mapping[str, Any]) -> Node | None:
        """Where the data says the machine belongs, or None when it is already there (or nowhere)."""
        if len(atoms) == 1 and atoms[0].is_terminal:
            return None
        target = next((node for node, matches in self.routes if matches(context)), self.default)
        if target is None or target in active_states(atoms):
            return None
        return target

    @staticmethod
    def direct_move(
        state: str,
        atoms: tuple[Node, ...],
        target: Node,
        states: Mapping[str, Node],
        history_parents: frozenset[Node],
    ) -> TransitionResult:
        """Move to ``target`` without a defined transition: exit and enter actions only."""
        transition = CompiledTransition(-1)
        transition.target = target
        source = atoms[0] if len(atoms) == 1 else _top(atoms[0])
        candidate = Candidate(transition, source, find_lcca(source, target), stays=False)
        step = microstep(atoms, (candidate,), states, history_parents, None)
        result = success(state, ROUTE_TRIGGER, [step], atoms, [])
        return _with_metadata(result, routed=True, route=target.name)


def compile_router(config: MachineConfig, states: Mapping[str, Node]) -> Router | None:
    from pystator.conditions import compile_state_when

    routes = tuple(
        (states[definition.name], compile_state_when(definition.when, path=f"states[{index}].when"))
        for index, definition in enumerate(config.states)
        if definition.__dict__["when"]  # one field of every state: skip the pydantic attribute hook
    )
    classification = config.meta.classification
    default_name = classification.default_state if classification is not None else None
    if not routes and default_name is None:
        return None
    default = states.get(default_name) if default_name is not None else None
    if default_name is not None and default is None:
        from pystator.errors import ConfigurationError

        raise ConfigurationError(f"meta.classification.default_state: unknown state {default_name!r}")
    return Router(routes, default, bool(classification and classification.auto_route))


def _top(node: Node) -> Node:
    return next((a for a in reversed(node.ancestors) if not a.is_region), node)


def _with_metadata(result: TransitionResult, **extra: Any) -> TransitionResult:
    from dataclasses import replace

    from pystator.engine.frozen import FrozenDict

    return replace(result, metadata=FrozenDict({**result.metadata, **extra}))

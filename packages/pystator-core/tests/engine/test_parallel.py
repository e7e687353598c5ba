"""Parallel states: every region active at once, one stored string for the whole configuration,
region-scoped transitions, leaving the parallel state exits every region, and joins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import InvalidStateError, ParallelConfiguration, StateMachine, UndefinedStateError

START = "trading[orders=idle,risk=normal]"


@pytest.fixture
def desk(load: Callable[..., StateMachine]) -> StateMachine:
    return load("parallel")


def test_entering_a_parallel_state_enters_every_region(run: Any, desk: StateMachine) -> None:
    result = run(desk, "offline", "connect")
    assert result.target_state == START
    assert result.all_actions == ("open_desk", "enter_idle", "enter_normal")


def test_enter_parallel_state_returns_the_initial_configuration(desk: StateMachine) -> None:
    config = desk.enter_parallel_state("trading")
    assert str(config) == START == config.value
    assert config.state == "trading"
    assert dict(config.regions) == {"orders": "idle", "risk": "normal"}
    assert config.active_states == ("idle", "normal")
    assert config.is_parallel


def test_enter_parallel_state_refuses_other_states(desk: StateMachine) -> None:
    with pytest.raises(InvalidStateError):
        desk.enter_parallel_state("offline")
    with pytest.raises(UndefinedStateError):
        desk.enter_parallel_state("nowhere")


def test_an_event_moves_only_the_region_that_handles_it(run: Any, desk: StateMachine) -> None:
    result = run(desk, START, "submit")
    assert result.target_state == "trading[orders=working,risk=normal]"
    assert result.all_actions == ("exit_idle", "enter_working")


def test_one_event_can_move_several_regions_in_one_step(run: Any, desk: StateMachine) -> None:
    result = run(desk, START, "step")
    assert result.target_state == "trading[orders=working,risk=breached]"
    assert result.all_actions == (
        "exit_normal",
        "exit_idle",
        "orders_step",
        "risk_step",
        "enter_working",
        "alert",
    )


def test_process_parallel_reports_each_region(run: Any, desk: StateMachine) -> None:
    config = desk.enter_parallel_state("trading")
    new_config, results = run.call(
        lambda: desk.process_parallel(config, "step"), lambda: desk.aprocess_parallel(config, "step")
    )
    assert isinstance(new_config, ParallelConfiguration)
    assert dict(new_config.regions) == {"orders": "working", "risk": "breached"}
    assert [(r.source_state, r.target_state, r.metadata["region"]) for r in results] == [
        ("idle", "working", "orders"),
        ("normal", "breached", "risk"),
    ]
    assert results[0].all_actions == ("exit_idle", "orders_step", "enter_working")
    assert results[1].all_actions == ("exit_normal", "risk_step", "alert")


def test_process_parallel_accepts_the_stored_string_and_returns_the_failure(
    run: Any, desk: StateMachine
) -> None:
    config, results = run.call(
        lambda: desk.process_parallel(START, "complete"), lambda: desk.aprocess_parallel(START, "complete")
    )
    assert str(config) == START
    assert len(results) == 1 and not results[0].success


def test_leaving_the_parallel_state_exits_every_region(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=working,risk=breached]", "eod")
    assert result.target_state == "closed"
    assert result.all_actions == ("exit_breached", "exit_working", "close_desk", "end_of_day")


def test_leaving_from_inside_one_region_exits_the_others_too(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=working,risk=breached]", "halt")
    assert result.target_state == "halted"
    assert result.all_actions == ("exit_breached", "exit_working", "close_desk")
    again = run(desk, "halted", "reconnect")
    assert again.target_state == START


def test_region_scoped_transition_stays_in_its_region(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=working,risk=breached]", "reset_risk")
    assert result.target_state == "trading[orders=working,risk=normal]"
    assert result.all_actions == ("exit_breached", "enter_normal")


def test_region_scoped_internal_transition_runs_only_its_actions(run: Any, desk: StateMachine) -> None:
    result = run(desk, START, "ping")
    assert result.target_state == START
    assert result.all_actions == ("pong",)


def test_a_star_source_scoped_to_a_region_applies_only_inside_it(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=working,risk=breached]", "calm_down")
    assert result.target_state == "trading[orders=working,risk=normal]"
    assert result.all_actions == ("exit_breached", "enter_normal")
    outside = run(desk, "offline", "calm_down")
    assert not outside.success
    assert outside.metadata["reason"] == "invalid_transition"


def test_a_region_scoped_transition_must_start_in_its_region(build: Callable[..., StateMachine]) -> None:
    from pystator import ConfigurationError

    with pytest.raises(ConfigurationError, match="region"):
        build(
            [
                {"name": "off", "type": "initial"},
                {
                    "name": "p",
                    "type": "parallel",
                    "regions": [
                        {"name": "r1", "initial": "a", "states": ["a"]},
                        {"name": "r2", "initial": "b", "states": ["b"]},
                    ],
                },
                {"name": "a"},
                {"name": "b"},
            ],
            [{"trigger": "go", "source": "off", "dest": "a", "region": "r1"}],
        )


def test_join_when_every_region_reaches_its_final_state(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=flat,risk=normal]", "settle")
    assert result.success
    assert result.target_state == "closed"
    assert result.metadata["completed"] == ["trading"]
    assert result.all_actions == ("exit_normal", "close_desk", "joined")
    assert result.metadata["via"] == ["trading[orders=flat,risk=cleared]"]


def test_no_join_while_a_region_is_not_final(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[orders=working,risk=normal]", "settle")
    assert result.target_state == "trading[orders=working,risk=cleared]"
    assert "completed" not in result.metadata


def test_regions_may_be_given_in_any_order(run: Any, desk: StateMachine) -> None:
    result = run(desk, "trading[risk=normal,orders=idle]", "submit")
    assert result.target_state == "trading[orders=working,risk=normal]"


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        ("trading[orders=idle]", "missing region"),
        ("trading[orders=idle,risk=normal,orders=idle]", "given twice"),
        ("trading[orders=idle,venue=normal]", "not a region"),
        ("trading[orders=normal,risk=idle]", "not a state of that region"),
        ("offline[orders=idle]", "not a parallel state"),
        ("trading[orders=idle,risk=normal", "expected ']'"),
        ("trading[orders=idle,risk=normal]x", "unexpected"),
    ],
)
def test_malformed_stored_forms_are_refused(run: Any, desk: StateMachine, stored: str, problem: str) -> None:
    with pytest.raises(InvalidStateError, match=problem):
        run(desk, stored, "submit")


def test_unknown_state_in_a_stored_form(run: Any, desk: StateMachine) -> None:
    with pytest.raises(UndefinedStateError):
        run(desk, "trading[orders=nope,risk=normal]", "submit")


def test_a_bare_parallel_state_name_means_every_region_at_its_initial_state(
    run: Any, desk: StateMachine
) -> None:
    assert run(desk, "trading", "submit").target_state == "trading[orders=working,risk=normal]"


def test_nested_parallel_states_round_trip(run: Any, load: Callable[..., StateMachine]) -> None:
    plant = load("nested_parallel")
    entered = run(plant, "off", "power")
    expected = "running[motor=spinning,sensors=monitor[temperature=temp_ok,pressure=pressure_ok]]"
    assert entered.target_state == expected
    assert str(plant.configuration(expected)) == expected
    heated = run(plant, expected, "heat")
    assert heated.target_state == (
        "running[motor=spinning,sensors=monitor[temperature=temp_high,pressure=pressure_ok]]"
    )
    assert plant.active_states(heated.target_state) == [
        "on",
        "running",
        "spinning",
        "monitor",
        "temp_high",
        "pressure_ok",
    ]
    assert run(plant, heated.target_state, "shutdown").target_state == "off"


def test_an_initial_state_that_rests_in_a_parallel_state(build: Callable[..., StateMachine]) -> None:
    machine = build(
        [
            {"name": "desk", "type": "initial", "initial_child": "both"},
            {
                "name": "both",
                "type": "parallel",
                "parent": "desk",
                "regions": [
                    {"name": "left", "initial": "l1", "states": ["l1"]},
                    {"name": "right", "initial": "r1", "states": ["r1"]},
                ],
            },
            {"name": "l1"},
            {"name": "r1"},
        ],
        [],
    )
    assert machine.initial_state == "both[left=l1,right=r1]"
    initial = machine.get_initial_state()
    assert initial.name == "both"
    assert initial.configuration == "both[left=l1,right=r1]"
    assert initial.regions == ("left", "right")
    assert machine.get_state("both").children == ("l1", "r1")
    assert machine.get_state("l1").parent == "both"


def test_entering_one_region_directly_enters_the_others_by_default(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    machine = build(
        [
            {"name": "off", "type": "initial"},
            {
                "name": "p",
                "type": "parallel",
                "on_enter": ["enter_p"],
                "regions": [
                    {"name": "r1", "initial": "a1", "states": ["a1", "a2"]},
                    {"name": "r2", "initial": "b1", "states": ["b1", "b2"]},
                ],
            },
            {"name": "a1", "on_enter": ["enter_a1"]},
            {"name": "a2", "on_enter": ["enter_a2"]},
            {"name": "b1", "on_enter": ["enter_b1"]},
            {"name": "b2", "on_enter": ["enter_b2"]},
        ],
        [
            {"trigger": "deep", "source": "off", "dest": "b2"},
            {"trigger": "cross", "source": "a1", "dest": "b2"},
        ],
    )
    result = run(machine, "off", "deep")
    assert result.target_state == "p[r1=a1,r2=b2]"
    assert result.all_actions == ("enter_p", "enter_a1", "enter_b2")
    # A transition from one region into another leaves and re-enters the parallel state.
    crossed = run(machine, "p[r1=a1,r2=b1]", "cross")
    assert crossed.target_state == "p[r1=a1,r2=b2]"
    assert crossed.all_actions == ("enter_p", "enter_a1", "enter_b2")

"""History targets: ``H(parent)`` re-enters the child last active (shallow), ``H*(parent)`` the exact
leaf (deep). The engine is stateless: records travel in ``context["_history"]``, results report new
ones in ``history_updates`` and ``merge_history`` merges them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import StateMachine, TransitionResult
from pystator.engine import HISTORY_KEY, merge_history


@pytest.fixture
def device(load: Callable[..., StateMachine]) -> StateMachine:
    return load("history")


def _asleep_from(run: Any, device: StateMachine, leaf: str) -> tuple[TransitionResult, dict[str, Any]]:
    result = run(device, leaf, "sleep", {})
    return result, merge_history({}, result)


def test_exiting_a_history_parent_records_its_configuration(run: Any, device: StateMachine) -> None:
    result, context = _asleep_from(run, device, "high_b")
    assert result.target_state == "standby"
    assert dict(result.history_updates) == {"on": "high_b"}
    assert context == {HISTORY_KEY: {"on": "high_b"}}


def test_shallow_history_reenters_the_recorded_child_by_default(run: Any, device: StateMachine) -> None:
    _, context = _asleep_from(run, device, "high_b")
    result = run(device, "standby", "wake", context)
    assert result.target_state == "high_a"
    assert result.all_actions == ("enter_on", "enter_high")


def test_deep_history_reenters_the_recorded_leaf(run: Any, device: StateMachine) -> None:
    _, context = _asleep_from(run, device, "high_b")
    result = run(device, "standby", "wake_deep", context)
    assert result.target_state == "high_b"
    assert result.all_actions == ("enter_on", "enter_high", "enter_high_b")


@pytest.mark.parametrize("trigger", ["wake", "wake_deep"])
def test_without_a_record_history_enters_by_default(run: Any, device: StateMachine, trigger: str) -> None:
    assert run(device, "standby", trigger, {}).target_state == "low"


@pytest.mark.parametrize("record", ["no_such_state", "high[bad", 42, "standby"])
def test_an_unusable_record_falls_back_to_the_default(run: Any, device: StateMachine, record: object) -> None:
    assert run(device, "standby", "wake_deep", {HISTORY_KEY: {"on": record}}).target_state == "low"


def test_history_target_from_inside_its_parent_does_not_exit_it(run: Any, device: StateMachine) -> None:
    result = run(device, "low", "back", {HISTORY_KEY: {"on": "high_b"}})
    assert result.target_state == "high_b"
    assert result.all_actions == ("enter_high", "enter_high_b")
    assert dict(result.history_updates) == {}


def test_history_results_are_not_memoised_across_contexts(run: Any, device: StateMachine) -> None:
    first = run(device, "standby", "wake_deep", {HISTORY_KEY: {"on": "high_b"}})
    second = run(device, "standby", "wake_deep", {HISTORY_KEY: {"on": "low"}})
    assert (first.target_state, second.target_state) == ("high_b", "low")


def test_merge_history_keeps_older_records_and_copies(run: Any, device: StateMachine) -> None:
    context = {"x": 1, HISTORY_KEY: {"other": "y"}}
    result = run(device, "low", "sleep", context)
    merged = merge_history(context, result)
    assert merged == {"x": 1, HISTORY_KEY: {"other": "y", "on": "low"}}
    assert context == {"x": 1, HISTORY_KEY: {"other": "y"}}
    failed = run(device, "low", "wake", context)
    assert merge_history(context, failed) == context


def test_a_parallel_configuration_is_recorded_whole(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [
            {"name": "idle", "type": "initial"},
            {"name": "work", "initial_child": "both"},
            {
                "name": "both",
                "type": "parallel",
                "parent": "work",
                "regions": [
                    {"name": "r1", "initial": "a1", "states": ["a1", "a2"]},
                    {"name": "r2", "initial": "b1", "states": ["b1", "b2"]},
                ],
            },
            {"name": "a1"},
            {"name": "a2"},
            {"name": "b1"},
            {"name": "b2"},
        ],
        [
            {"trigger": "start", "source": "idle", "dest": "work"},
            {"trigger": "a", "source": "a1", "dest": "a2"},
            {"trigger": "stop", "source": "work", "dest": "idle"},
            {"trigger": "resume", "source": "idle", "dest": "H*(work)"},
        ],
    )
    moved = run(machine, "both[r1=a1,r2=b1]", "a")
    stopped = run(machine, moved.target_state, "stop")
    assert dict(stopped.history_updates) == {"work": "both[r1=a2,r2=b1]"}
    resumed = run(machine, "idle", "resume", merge_history({}, stopped))
    assert resumed.target_state == "both[r1=a2,r2=b1]"

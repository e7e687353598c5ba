"""Compound states: entering a parent rests in its initial leaf, transitions are inherited from
ancestors (innermost source first), and actions run exit (leaf up to the LCA) -> transition ->
enter (below the LCA down to the target leaf)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import ConfigurationError, StateMachine


@pytest.fixture
def doc(load: Callable[..., StateMachine]) -> StateMachine:
    machine = load("hierarchy")
    machine.guard_registry.register("approved", lambda ctx: bool(ctx.get("approved")))
    return machine


def test_entering_a_compound_state_rests_in_its_initial_leaf(run: Any, doc: StateMachine) -> None:
    result = run(doc, "idle", "start")
    assert result.target_state == "drafting"
    assert result.all_actions == (
        "leave_idle",
        "log_start",
        "enter_active",
        "enter_working",
        "enter_drafting",
    )
    assert [s.phase for s in result.all_action_specs] == ["exit", "transition", "enter", "enter", "enter"]
    assert [s.state for s in result.on_enter_actions] == ["active", "working", "drafting"]


def test_sibling_transition_keeps_the_common_ancestors(run: Any, doc: StateMachine) -> None:
    result = run(doc, "drafting", "submit")
    assert result.target_state == "reviewing"
    assert result.all_actions == ("exit_drafting", "log_submit", "enter_reviewing")


@pytest.mark.parametrize("leaf", ["drafting", "reviewing"])
def test_a_parent_transition_applies_in_every_descendant(run: Any, doc: StateMachine, leaf: str) -> None:
    result = run(doc, leaf, "pause")
    assert result.target_state == "paused"
    assert result.all_actions == (f"exit_{leaf}", "exit_working", "enter_paused")


def test_transition_into_a_compound_state_descends_to_its_initial_leaf(run: Any, doc: StateMachine) -> None:
    result = run(doc, "paused", "resume")
    assert result.target_state == "drafting"
    assert result.all_actions == ("exit_paused", "enter_working", "enter_drafting")


def test_innermost_source_wins_over_an_ancestor(run: Any, doc: StateMachine) -> None:
    approved = run(doc, "reviewing", "finish", {"approved": True})
    assert approved.target_state == "published"
    assert approved.all_actions == ("exit_reviewing", "exit_working", "exit_active")


def test_an_ancestor_transition_is_the_fallback_when_the_inner_guard_rejects(
    run: Any, doc: StateMachine
) -> None:
    fallback = run(doc, "reviewing", "finish", {"approved": False})
    assert fallback.success
    assert fallback.target_state == "done"
    assert fallback.all_actions == ("exit_reviewing", "exit_working", "exit_active", "enter_done")


def test_leaving_from_deep_inside_exits_every_level_innermost_first(run: Any, doc: StateMachine) -> None:
    result = run(doc, "drafting", "finish")
    assert result.all_actions == ("exit_drafting", "exit_working", "exit_active", "enter_done")


def test_external_self_transition_on_a_parent_reenters_it(run: Any, doc: StateMachine) -> None:
    result = run(doc, "reviewing", "restart")
    assert result.target_state == "drafting"
    assert result.all_actions == (
        "exit_reviewing",
        "exit_working",
        "exit_active",
        "enter_active",
        "enter_working",
        "enter_drafting",
    )


def test_leaf_self_transition(run: Any, doc: StateMachine) -> None:
    result = run(doc, "drafting", "reset")
    assert result.all_actions == ("exit_drafting", "enter_drafting")


def test_targetless_internal_transition_runs_only_its_actions(run: Any, doc: StateMachine) -> None:
    result = run(doc, "drafting", "poke")
    assert result.success and result.target_state == "drafting"
    assert result.all_actions == ("log_poke",)
    assert result.timers_to_cancel == () and result.timers_to_start == ()


def test_internal_transition_to_a_descendant_runs_no_exit_or_enter_actions(
    run: Any, doc: StateMachine
) -> None:
    result = run(doc, "reviewing", "tweak")
    assert result.target_state == "drafting"
    assert result.all_actions == ("log_tweak",)


def test_a_stored_compound_state_is_read_as_its_initial_leaf(run: Any, doc: StateMachine) -> None:
    result = run(doc, "active", "submit")
    assert result.source_state == "active"
    assert result.target_state == "reviewing"


def test_a_compound_state_must_name_its_initial_child(build: Callable[..., StateMachine]) -> None:
    with pytest.raises(ConfigurationError, match="initial_child"):
        build(
            [
                {"name": "a", "type": "initial"},
                {"name": "p"},
                {"name": "p1", "parent": "p"},
                {"name": "p2", "parent": "p"},
            ],
            [{"trigger": "go", "source": "a", "dest": "p"}],
        )


def test_initial_state_resolves_to_a_leaf(build: Callable[..., StateMachine]) -> None:
    machine = build(
        [
            {"name": "root", "type": "initial", "initial_child": "inner"},
            {"name": "inner", "parent": "root", "initial_child": "leaf"},
            {"name": "leaf", "parent": "inner"},
            {"name": "other", "parent": "inner"},
        ],
        [],
    )
    assert machine.get_initial_state().name == "leaf"
    assert machine.initial_state == "leaf"
    assert machine.active_states("leaf") == ["root", "inner", "leaf"]

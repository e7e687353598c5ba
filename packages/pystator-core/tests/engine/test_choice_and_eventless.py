"""Choice pseudo-states (left at once by the first branch whose guards pass) and eventless
(``auto``) transitions (taken on entering their source when their guards pass), all within the
one ``process`` call that entered them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import GuardRejectedError, InvalidTransitionError, StateMachine


@pytest.fixture
def payments(load: Callable[..., StateMachine]) -> StateMachine:
    return load("routing_choice")


@pytest.mark.parametrize(
    ("amount", "target"),
    [(50, "small"), (500, "large"), (50_000, "review")],
)
def test_a_choice_takes_its_first_passing_branch(
    run: Any, payments: StateMachine, amount: int, target: str
) -> None:
    result = run(payments, "new", "submit", {"amount": amount})
    assert result.success
    assert result.target_state == target
    assert result.metadata["via"] == ["route"]


def test_choice_actions_keep_their_run_order(run: Any, payments: StateMachine) -> None:
    result = run(payments, "new", "submit", {"amount": 50})
    assert result.all_actions == ("exit_new", "submitted", "to_small", "enter_small")
    assert [s.phase for s in result.all_action_specs] == ["exit", "transition", "transition", "enter"]


def test_eventless_transitions_chain_until_stable(run: Any, payments: StateMachine) -> None:
    result = run(payments, "new", "submit", {"amount": 500, "vip": True})
    assert result.target_state == "settled"
    assert result.metadata["via"] == ["route", "large", "approved"]
    assert result.all_actions == (
        "exit_new",
        "submitted",
        "to_large",
        "enter_large",
        "exit_large",
        "enter_approved",
        "exit_approved",
        "settle",
        "enter_settled",
    )
    assert result.on_exit_actions[0].name == "exit_new"
    assert result.on_enter_actions[-1].name == "enter_settled"


def test_an_eventless_transition_whose_guard_fails_leaves_the_state_resting(
    run: Any, payments: StateMachine
) -> None:
    assert run(payments, "new", "submit", {"amount": 500, "vip": False}).target_state == "large"


def test_eventless_transition_after_an_ordinary_event(run: Any, payments: StateMachine) -> None:
    result = run(payments, "review", "approve")
    assert result.target_state == "settled"
    assert result.metadata["via"] == ["approved"]


def test_a_choice_without_a_passing_branch_fails_the_whole_event(run: Any, payments: StateMachine) -> None:
    result = run(payments, "new", "strict", {"amount": 500})
    assert not result.success
    assert result.target_state is None
    assert result.metadata["reason"] == "no_choice_branch"
    assert isinstance(result.error, GuardRejectedError)
    assert result.error.guard_name == "expr: amount < 100"


def test_a_cycle_of_eventless_transitions_is_refused(run: Any, payments: StateMachine) -> None:
    result = run(payments, "new", "bounce")
    assert not result.success
    assert result.metadata["reason"] == "eventless_loop"
    assert isinstance(result.error, InvalidTransitionError)


def test_route_takes_enabled_eventless_transitions(payments: StateMachine) -> None:
    result = payments.route("large", {"vip": True})
    assert result is not None
    assert result.trigger == "__auto__"
    assert result.target_state == "settled"
    assert payments.route("large", {"vip": False}) is None

"""``after:`` transitions and state ``timeout:`` are data: the result says which timers to start
(for every state entered) and which states' timers to cancel (every state exited). A fired timer
comes back as an event (``__after__:<state>:<ms>`` / ``__timeout__:<state>``) that only acts while
its state is still active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import StateMachine, TimerSpec
from pystator.engine import after_trigger, timeout_trigger


@pytest.fixture
def orders(load: Callable[..., StateMachine]) -> StateMachine:
    return load("timers")


def test_entering_states_starts_their_timers(run: Any, orders: StateMachine) -> None:
    result = run(orders, "pending", "ack")
    assert result.target_state == "working"
    assert result.timers_to_cancel == ("pending",)
    assert result.timers_to_start == (
        TimerSpec("open:after:5000", "open", 5000, "__after__:open:5000", "after", "closed"),
        TimerSpec("working:after:500", "working", 500, "__after__:working:500", "after", "waiting"),
    )


def test_a_fired_timer_takes_its_transition(run: Any, orders: StateMachine) -> None:
    result = run(orders, "working", after_trigger("working", 500))
    assert result.target_state == "waiting"
    assert result.timers_to_cancel == ("working",)
    assert [t.timer_id for t in result.timers_to_start] == ["waiting:after:60000"]


def test_a_parent_timer_fires_from_any_descendant_and_cancels_both(run: Any, orders: StateMachine) -> None:
    result = run(orders, "waiting", after_trigger("open", 5000))
    assert result.target_state == "closed"
    assert result.timers_to_cancel == ("waiting", "open")
    assert result.timers_to_start == ()


def test_moving_between_children_keeps_the_parent_timer(run: Any, orders: StateMachine) -> None:
    result = run(orders, "waiting", "nudge")
    assert result.target_state == "working"
    assert result.timers_to_cancel == ("waiting",)
    assert [t.state for t in result.timers_to_start] == ["working"]


def test_a_stale_timer_is_a_no_op_in_every_mode(run: Any, orders: StateMachine) -> None:
    result = run(orders, "waiting", after_trigger("working", 500))
    assert result.success and result.is_no_op
    assert result.target_state == "waiting"
    assert result.metadata["reason"] == "stale_timer"


def test_state_timeout(run: Any, orders: StateMachine) -> None:
    started = orders.get_state("pending")
    assert started.name == "pending"
    result = run(orders, "pending", timeout_trigger("pending"))
    assert result.target_state == "expired"
    assert result.timers_to_cancel == ("pending",)


def test_the_initial_states_timers_are_known(orders: StateMachine) -> None:
    (spec,) = orders.timers_for("pending")
    assert spec == TimerSpec(
        "pending:timeout", "pending", 30_000, "__timeout__:pending", "timeout", "expired"
    )


def test_internal_transitions_leave_timers_alone(run: Any, orders: StateMachine) -> None:
    result = run(orders, "working", "rest")
    assert result.timers_to_cancel == () and result.timers_to_start == ()


def test_timer_ids_are_deterministic(orders: StateMachine, run: Any) -> None:
    first = run(orders, "pending", "ack").timers_to_start
    second = run(orders, "pending", "ack").timers_to_start
    assert first == second

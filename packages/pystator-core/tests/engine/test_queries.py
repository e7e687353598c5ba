"""Queries: description (name, version, meta, states), initial state, available transitions and
triggers, terminal states, and ``evaluate_destination`` / ``can_transition_to``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import DestinationCheckResult, StateMachine, UndefinedStateError


@pytest.fixture
def order(build: Callable[..., StateMachine]) -> StateMachine:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "orders", "version": "2.1.0", "description": "d", "team": "desk"},
            "groups": {"live": {"label": "Live orders"}},
            "states": [
                {"name": "pending", "type": "initial", "group": "live"},
                {"name": "open", "group": "live"},
                {"name": "partially_filled"},
                {"name": "filled", "type": "terminal"},
                {"name": "cancelled", "type": "terminal"},
            ],
            "transitions": [
                {"trigger": "exchange_ack", "source": "pending", "dest": "open"},
                {
                    "trigger": "fill",
                    "source": ["open", "partially_filled"],
                    "dest": "filled",
                    "guards": ["full"],
                },
                {"trigger": "fill", "source": "open", "dest": "partially_filled"},
                {"trigger": "execution_report", "source": "open", "dest": "filled", "guards": ["full"]},
                {"trigger": "cancel", "source": "*", "dest": "cancelled"},
                {"after": "1h", "source": "open", "dest": "cancelled"},
            ],
        }
    )
    machine.guard_registry.register("full", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    return machine


def test_description(order: StateMachine) -> None:
    assert order.name == "orders"
    assert order.version == "2.1.0"
    assert order.description == "d"
    assert order.meta["machine_name"] == "orders"
    assert order.meta["team"] == "desk"  # free-form keys are kept
    assert order.meta["groups"] == {"live": {"label": "Live orders"}}
    assert order.meta["validate_context"] is False
    assert list(order.states) == ["pending", "open", "partially_filled", "filled", "cancelled"]
    assert order.states["open"].group == "live"
    assert order.state_names == list(order.states)
    assert order.triggers == ["exchange_ack", "fill", "execution_report", "cancel"]
    assert order.terminal_states == ["filled", "cancelled"]
    assert order.leaf_states == order.state_names
    assert order.parallel_states == []
    assert [t.trigger for t in order.transitions] == [
        "exchange_ack",
        "fill",
        "fill",
        "execution_report",
        "cancel",
        None,
    ]
    assert "orders" in repr(order)


def test_initial_state(order: StateMachine) -> None:
    initial = order.get_initial_state()
    assert initial.name == "pending"
    assert initial.is_initial and not initial.is_terminal
    assert order.initial_state == "pending"


def test_available_transitions(order: StateMachine) -> None:
    available = order.get_available_transitions("open")
    assert [(t.trigger, t.dest) for t in available] == [
        ("fill", "filled"),
        ("fill", "partially_filled"),
        ("execution_report", "filled"),
        ("cancel", "cancelled"),
    ]
    assert available[0].source == frozenset({"open", "partially_filled"})
    assert available[-1].source == frozenset({"pending", "open", "partially_filled"})
    assert available[0].guards == ("full",)
    assert order.get_available_transitions("filled") == []


def test_available_triggers(order: StateMachine) -> None:
    assert order.get_available_triggers("open") == ["fill", "execution_report", "cancel"]
    assert order.get_available_triggers("open", {"fill_qty": 1, "order_qty": 5}) == ["fill", "cancel"]
    assert order.get_available_triggers("pending") == ["exchange_ack", "cancel"]


def test_inherited_transitions_are_available_from_children(build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "p", "type": "initial", "initial_child": "c"}, {"name": "c", "parent": "p"}, {"name": "x"}],
        [{"trigger": "leave", "source": "p", "dest": "x"}, {"trigger": "stay", "source": "c", "dest": "c"}],
    )
    assert [t.trigger for t in machine.get_available_transitions("c")] == ["stay", "leave"]


def test_terminal(order: StateMachine) -> None:
    assert order.is_terminal("filled")
    assert not order.is_terminal("open")
    with pytest.raises(UndefinedStateError):
        order.is_terminal("nowhere")


def test_unknown_current_state_raises(run: Any, order: StateMachine) -> None:
    with pytest.raises(UndefinedStateError) as caught:
        run(order, "nowhere", "fill")
    assert caught.value.state == "nowhere"
    with pytest.raises(UndefinedStateError):
        order.get_available_transitions("nowhere")


def _evaluate(
    run: Any, machine: StateMachine, state: str, dest: str, ctx: Any = None
) -> DestinationCheckResult:
    result: DestinationCheckResult = run.call(
        lambda: machine.evaluate_destination(state, dest, ctx),
        lambda: machine.aevaluate_destination(state, dest, ctx),
    )
    return result


def test_destination_allowed_by_one_trigger(run: Any, order: StateMachine) -> None:
    check = _evaluate(run, order, "pending", "open")
    assert check.allowed
    assert (check.source_state, check.destination_state) == ("pending", "open")
    assert check.candidate_count == 1 and check.passing_count == 1
    (candidate,) = check.candidates
    assert (candidate.trigger, candidate.dest, candidate.executable, candidate.reason) == (
        "exchange_ack",
        "open",
        True,
        "ok",
    )
    assert candidate.transition_result is not None and candidate.transition_result.target_state == "open"
    assert not check.is_ambiguous


def test_destination_reached_by_several_triggers_is_ambiguous(run: Any, order: StateMachine) -> None:
    check = _evaluate(run, order, "open", "filled", {"fill_qty": 5, "order_qty": 5})
    assert check.allowed and check.is_ambiguous
    assert check.triggers == ["fill", "execution_report"]


def test_destination_with_every_guard_rejecting(run: Any, order: StateMachine) -> None:
    check = _evaluate(run, order, "open", "filled", {"fill_qty": 1, "order_qty": 5})
    assert not check.allowed
    assert check.metadata["reason"] == "no_passing_transition"
    fill, report = check.candidates
    assert (fill.trigger, fill.executable, fill.reason) == ("fill", False, "reaches_other_state")
    assert (report.trigger, report.executable, report.reason) == ("execution_report", False, "guard_rejected")


def test_destination_without_any_transition(run: Any, order: StateMachine) -> None:
    check = _evaluate(run, order, "pending", "filled")
    assert not check.allowed
    assert check.metadata["reason"] == "no_transition_to_destination"
    assert check.candidate_count == 0


def test_undefined_destination(run: Any, order: StateMachine) -> None:
    check = _evaluate(run, order, "pending", "nowhere")
    assert not check.allowed
    assert check.metadata["reason"] == "undefined_destination"


def test_destination_from_a_terminal_state(run: Any, order: StateMachine) -> None:
    assert _evaluate(run, order, "filled", "open").metadata["reason"] == "terminal_state"


def test_can_transition_to(run: Any, order: StateMachine) -> None:
    assert run.call(
        lambda: order.can_transition_to("pending", "open"),
        lambda: order.acan_transition_to("pending", "open"),
    )
    assert not order.can_transition_to("pending", "filled")


def test_destination_inside_a_compound_state_and_through_a_choice(load: Callable[..., StateMachine]) -> None:
    doc = load("hierarchy")
    assert doc.can_transition_to("idle", "active")  # entering the parent
    assert doc.can_transition_to("idle", "drafting")  # its initial leaf
    assert not doc.can_transition_to("idle", "reviewing")
    payments = load("routing_choice")
    assert payments.can_transition_to("new", "large", {"amount": 500})
    assert not payments.can_transition_to("new", "large", {"amount": 5})

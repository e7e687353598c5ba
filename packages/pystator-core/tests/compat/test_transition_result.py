"""Compat surface, section "TransitionResult": fields, action tuples in run order, properties,
``no_op`` / ``guards_failed`` metadata and error context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

import pystator
import pystator.result
from pystator import (
    FSMError,
    InMemoryStateStore,
    Orchestrator,
    StateMachine,
    TransitionResult,
)


def test_importable_from_both_paths() -> None:
    assert pystator.TransitionResult is pystator.result.TransitionResult


@pytest.fixture
def machine(order_config: dict[str, Any]) -> StateMachine:
    machine = StateMachine.from_dict(order_config)
    machine.guard("is_full_fill")(lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    machine.guard("is_partial_fill")(lambda ctx: 0 < ctx.get("fill_qty", 0) < ctx.get("order_qty", 1))
    return machine


def test_success_fields_and_action_tuples_in_run_order(machine: StateMachine) -> None:
    result = machine.process("pending", "exchange_ack", {})
    assert isinstance(result, TransitionResult)
    assert result.success and result.error is None
    assert (result.source_state, result.target_state, result.trigger) == ("pending", "open", "exchange_ack")
    assert [a.name for a in result.on_exit_actions] == ["log_exit"]
    assert [a.name for a in result.actions_to_execute] == ["record_ack"]
    assert [a.name for a in result.on_enter_actions] == ["notify"]
    assert result.on_enter_actions[0].params == {"channel": "email"}
    assert result.actions_to_execute[0].params == {}
    assert isinstance(result.on_exit_actions, tuple) and isinstance(result.metadata, Mapping)
    assert result.all_actions == ("log_exit", "record_ack", "notify")
    assert [s.name for s in result.all_action_specs] == ["log_exit", "record_ack", "notify"]
    assert result.state_changed and not result.is_self_transition


def test_self_transition(machine: StateMachine) -> None:
    result = machine.process("open", "ping", {})
    assert result.success and result.target_state == "open"
    assert result.is_self_transition and not result.state_changed


def test_guard_rejection_names_the_guards(machine: StateMachine) -> None:
    result = machine.process("open", "fill", {"fill_qty": 1, "order_qty": 10})
    assert not result.success and result.target_state is None
    assert result.metadata["reason"] == "guard_rejected"
    assert result.metadata["guard_name"] == "is_full_fill"
    assert list(result.metadata["guards_failed"]) == ["is_full_fill"]
    assert isinstance(result.error, FSMError)
    assert isinstance(result.error.context, dict)
    assert result.all_actions == () and not result.state_changed


def test_lenient_no_op() -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"version": "1", "machine_name": "lenient", "strict_mode": False},
            "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
            "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
        }
    )
    result = machine.process("b", "go", {})
    assert result.success and result.metadata["no_op"] is True
    assert result.target_state == "b" and not result.state_changed and not result.is_self_transition
    assert result.all_actions == ()


def test_strict_mode_unknown_trigger_is_a_failure_with_an_error(machine: StateMachine) -> None:
    result = machine.process("pending", "fill", {})
    assert not result.success and result.target_state is None
    assert isinstance(result.error, FSMError) and isinstance(result.error.context, dict)
    assert "no_op" not in result.metadata


def test_context_validation_failure_lists_problems_in_error_context() -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"version": "1", "machine_name": "validated"},
            "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
            "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
        }
    )

    def validator(entity_id: str, state: str, trigger: str, ctx: Mapping[str, Any]) -> tuple[bool, list[str]]:
        return ("qty" in ctx), ["qty: required"]

    orchestrator = Orchestrator(machine, InMemoryStateStore(), context_validator=validator)
    result = orchestrator.process_event("e-1", "go", {})
    assert not result.success and result.metadata["reason"] == "context_validation"
    assert result.error is not None
    assert result.error.context["validation_errors"] == ["qty: required"]
    assert orchestrator.process_event("e-1", "go", {"qty": 1}).success


def test_guards_failed_names_the_rejecting_guard_of_each_candidate() -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"version": "1", "machine_name": "two_ways"},
            "states": [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "c"}],
            "transitions": [
                {"trigger": "go", "source": "a", "dest": "b", "guards": ["first", "second"]},
                {"trigger": "go", "source": "a", "dest": "c", "guards": ["third"]},
            ],
        }
    )
    calls: list[str] = []
    for name, verdict in (("first", False), ("second", False), ("third", False)):
        machine.guard(name)(lambda ctx, _n=name, _v=verdict: calls.append(_n) or _v)
    result = machine.process("a", "go", {})
    assert list(result.metadata["guards_failed"]) == ["first", "third"]
    assert result.metadata["guard_name"] == "first"
    assert calls == ["first", "third"]  # a transition's guards stop at the first that rejects

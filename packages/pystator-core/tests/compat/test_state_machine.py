"""Compat surface, section "StateMachine": descriptive attributes, queries, ``create(...)`` and
``evaluate_destination`` results."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

import pystator
import pystator.destination
import pystator.machine
from pystator import DestinationCheckResult, StateMachine, UndefinedStateError


def test_importable_from_both_paths() -> None:
    assert pystator.StateMachine is pystator.machine.StateMachine
    assert pystator.DestinationCheckResult is pystator.destination.DestinationCheckResult


@pytest.fixture
def machine(order_config: dict[str, Any]) -> StateMachine:
    order_config["meta"]["owner"] = "trading"
    order_config["groups"] = {"done": {"states": ["filled", "cancelled"]}}
    machine = StateMachine.from_dict(order_config)
    machine.guard("is_full_fill")(lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    machine.guard("is_partial_fill")(lambda ctx: 0 < ctx.get("fill_qty", 0) < ctx.get("order_qty", 1))
    return machine


def test_description(machine: StateMachine) -> None:
    assert (machine.name, machine.version) == ("orders", "2.1.0")
    assert list(machine.states) == ["pending", "open", "partially_filled", "filled", "cancelled"]
    assert machine.states["filled"].name == "filled"
    assert machine.meta["machine_name"] == "orders"
    assert machine.meta["strict_mode"] is True
    assert "done" in machine.meta["groups"]


def test_initial_state_and_available_transitions(machine: StateMachine) -> None:
    assert machine.get_initial_state().name == "pending"
    transitions = machine.get_available_transitions("open")
    by_trigger = {t.trigger: t for t in transitions}
    assert set(by_trigger) == {"fill", "partial_fill", "cancel", "ping"}
    assert by_trigger["fill"].source == frozenset({"open", "partially_filled"})
    assert isinstance(by_trigger["fill"].source, frozenset)
    assert by_trigger["fill"].dest == "filled"


def test_unknown_state_is_refused(machine: StateMachine) -> None:
    with pytest.raises(UndefinedStateError):
        machine.get_available_transitions("nowhere")


def test_create_defaults(machine: StateMachine) -> None:
    session = machine.create()
    assert UUID(session.entity_id).version == 4
    assert session.current_state == "pending" and session.context == {}
    assert machine.create().entity_id != session.entity_id


def test_create_arguments(machine: StateMachine) -> None:
    session = machine.create(entity_id="order-1", context={"order_qty": 5}, initial_state="open")
    assert (session.entity_id, session.current_state) == ("order-1", "open")
    assert session.context == {"order_qty": 5}
    with pytest.raises(TypeError):
        machine.create("order-1")  # type: ignore[misc]  # keyword-only, as in 0.0.x


def test_create_execute_actions_runs_bound_actions(machine: StateMachine) -> None:
    ran: list[str] = []
    for name in ("log_exit", "record_ack", "notify"):
        machine.action(name)(lambda ctx, _n=name, **params: ran.append(_n))
    planned = machine.create()
    planned.send("exchange_ack")
    assert ran == []
    running = machine.create(execute_actions=True)
    running.send("exchange_ack")
    assert ran == ["log_exit", "record_ack", "notify"]


def test_evaluate_destination_allowed(machine: StateMachine) -> None:
    check = machine.evaluate_destination("open", "filled", {"fill_qty": 10, "order_qty": 10})
    assert isinstance(check, DestinationCheckResult)
    assert check.allowed and (check.source_state, check.destination_state) == ("open", "filled")
    assert (check.candidate_count, check.passing_count) == (1, 1)
    candidate = check.candidates[0]
    assert (candidate.trigger, candidate.dest, candidate.executable) == ("fill", "filled", True)
    assert candidate.reason == "ok"
    assert candidate.transition_result is not None and candidate.transition_result.target_state == "filled"
    assert "reason" not in check.metadata


def test_evaluate_destination_guard_rejects(machine: StateMachine) -> None:
    check = machine.evaluate_destination("open", "filled", {"fill_qty": 1, "order_qty": 10})
    assert not check.allowed and (check.candidate_count, check.passing_count) == (1, 0)
    assert check.candidates[0].executable is False
    assert check.candidates[0].reason == "guard_rejected"
    assert check.metadata["reason"] == "no_passing_transition"


def test_evaluate_destination_reasons(machine: StateMachine) -> None:
    assert machine.evaluate_destination("open", "mars", {}).metadata["reason"] == "undefined_destination"
    no_path = machine.evaluate_destination("pending", "filled", {})
    assert not no_path.allowed and no_path.metadata["reason"] == "no_transition_to_destination"
    assert no_path.candidate_count == 0


def test_can_transition_to(machine: StateMachine) -> None:
    assert machine.can_transition_to("pending", "open", {})
    assert not machine.can_transition_to("pending", "filled", {})

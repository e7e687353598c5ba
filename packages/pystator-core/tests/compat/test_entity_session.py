"""Compat surface, section "EntitySession": identity, state, context, ``history``, ``send`` (planned
vs executed actions) and ``apply_data`` / ``aapply_data`` when-routing."""

from __future__ import annotations

from typing import Any

import pytest

import pystator
import pystator.session
from pystator import EntitySession, Event, StateMachine, TransitionResult

ROUTED: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "shipments", "classification": {}},
    "states": [
        {"name": "new", "type": "initial"},
        {"name": "accepted", "when": [{"field": "status", "op": "eq", "value": "accepted"}]},
        {"name": "shipped", "when": [{"field": "status", "op": "eq", "value": "shipped"}]},
        {"name": "delivered", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "accept", "source": "new", "dest": "accepted", "actions": ["notify"]},
        {"trigger": "ship", "source": "accepted", "dest": "shipped"},
        {"trigger": "deliver", "source": "shipped", "dest": "delivered"},
    ],
}


def test_importable_from_both_paths() -> None:
    assert pystator.EntitySession is pystator.session.EntitySession


def test_send_returns_results_and_history_lists_them(order_yaml: Any) -> None:
    machine = StateMachine.from_yaml(order_yaml)
    session = machine.create(entity_id="order-9", context={"order_qty": 100})
    assert isinstance(session, EntitySession)
    assert (session.entity_id, session.current_state, session.history) == ("order-9", "pending", [])
    first = session.send("exchange_ack")
    second = session.send("fill", fill_qty=100)
    assert isinstance(first, TransitionResult) and second.target_state == "filled"
    assert session.history == [first, second]
    assert session.context == {"order_qty": 100, "fill_qty": 100}
    assert session.current_state == "filled"


def test_a_failed_send_changes_nothing(order_yaml: Any) -> None:
    session = StateMachine.from_yaml(order_yaml).create()
    result = session.send("fill", fill_qty=1)
    assert not result.success and session.current_state == "pending"
    assert session.context == {}


def test_send_accepts_an_event_with_extra_payload(order_yaml: Any) -> None:
    session = StateMachine.from_yaml(order_yaml).create()
    result = session.send(Event("exchange_ack", {"venue": "x"}), ack_id=7)
    assert result.success and session.context["venue"] == "x" and session.context["ack_id"] == 7


def test_actions_are_planned_by_default_and_run_on_request() -> None:
    machine = StateMachine.from_dict(ROUTED)
    ran: list[dict[str, Any]] = []
    machine.action("notify")(lambda ctx, **params: ran.append(dict(ctx)))
    planned = machine.create()
    result = planned.send("accept")
    assert result.all_actions == ("notify",) and ran == []
    executing = machine.create(execute_actions=True, context={"who": "me"})
    executing.send("accept")
    assert ran == [{"who": "me"}]


def test_apply_data_routes_and_returns_results() -> None:
    session = StateMachine.from_dict(ROUTED).create()
    results = session.apply_data({"status": "accepted"})
    assert [(r.trigger, r.source_state, r.target_state) for r in results] == [("accept", "new", "accepted")]
    assert session.current_state == "accepted" and session.context["status"] == "accepted"
    assert session.history == results


def test_apply_data_with_nothing_to_route_is_empty() -> None:
    session = StateMachine.from_dict(ROUTED).create()
    assert session.apply_data({"status": "unknown"}) == []
    assert session.current_state == "new" and session.context == {"status": "unknown"}


async def test_aapply_data() -> None:
    session = StateMachine.from_dict(ROUTED).create(initial_state="accepted")
    results = await session.aapply_data({"status": "shipped"})
    assert [r.target_state for r in results] == ["shipped"]
    assert session.current_state == "shipped"
    assert await session.aapply_data({"status": "shipped"}) == []


def test_apply_data_refuses_a_non_mapping() -> None:
    session = StateMachine.from_dict(ROUTED).create()
    with pytest.raises(TypeError):
        session.apply_data([("status", "accepted")])  # type: ignore[arg-type]

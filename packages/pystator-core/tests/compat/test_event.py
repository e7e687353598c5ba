"""Compat surface, section "Event": the frozen value and events accepted wherever a trigger is."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

import pystator
import pystator.event
from pystator import Event, InMemoryStateStore, Orchestrator, StateMachine


def test_importable_from_both_paths() -> None:
    assert pystator.Event is pystator.event.Event


def test_defaults() -> None:
    before = datetime.now(UTC)
    event = Event("fill")
    assert event.trigger == "fill"
    assert event.payload == {}
    assert isinstance(event.event_id, UUID) and event.event_id.version == 4
    assert event.timestamp.tzinfo is not None and before <= event.timestamp <= datetime.now(UTC)
    assert event.source == ""
    assert event.metadata == {}
    assert Event("fill").event_id != event.event_id


def test_frozen() -> None:
    event = Event("fill", {"qty": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.trigger = "other"  # type: ignore[misc]


def test_caller_dict_changes_do_not_reach_the_event() -> None:
    payload = {"qty": 1}
    event = Event("fill", payload)
    payload["qty"] = 2
    assert event["qty"] == 1


def test_mapping_reads_of_the_payload() -> None:
    event = Event("fill", {"qty": 5})
    assert event.get("qty") == 5
    assert event.get("missing") is None
    assert event.get("missing", 0) == 0
    assert event["qty"] == 5
    assert "qty" in event and "missing" not in event
    with pytest.raises(KeyError):
        event["missing"]


def test_copies_merge_and_keep_the_id() -> None:
    event = Event("fill", {"qty": 5}, metadata={"a": 1})
    more = event.with_payload(price=10)
    tagged = event.with_metadata(b=2)
    assert more.payload == {"qty": 5, "price": 10} and more.event_id == event.event_id
    assert tagged.metadata == {"a": 1, "b": 2} and tagged.event_id == event.event_id
    assert event.payload == {"qty": 5} and event.metadata == {"a": 1}


def test_simple() -> None:
    event = Event.simple("fill", qty=3, price=9.5)
    assert (event.trigger, event.payload) == ("fill", {"qty": 3, "price": 9.5})


def test_dict_round_trip() -> None:
    event = Event("fill", {"qty": 3}, source="exchange", metadata={"trace": "t1"})
    data = event.to_dict()
    assert data["event_id"] == str(event.event_id)
    assert data["timestamp"] == event.timestamp.isoformat()
    assert Event.from_dict(data) == event


def test_from_dict_names_the_missing_trigger() -> None:
    with pytest.raises(ValueError, match="trigger"):
        Event.from_dict({"payload": {}})


def test_empty_trigger_is_refused() -> None:
    with pytest.raises(ValueError, match="trigger"):
        Event("")


GUARDED: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "guarded"},
    "states": [{"name": "open", "type": "initial"}, {"name": "filled", "type": "terminal"}],
    "transitions": [{"trigger": "fill", "source": "open", "dest": "filled", "guards": ["is_full_fill"]}],
}


def _machine(seen: list[Mapping[str, Any]]) -> StateMachine:
    machine = StateMachine.from_dict(GUARDED)

    @machine.guard("is_full_fill")
    def is_full_fill(ctx: Mapping[str, Any]) -> bool:
        seen.append(ctx)
        return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    return machine


def test_process_accepts_an_event_and_guards_see_payload_and_event() -> None:
    seen: list[Mapping[str, Any]] = []
    machine = _machine(seen)
    event = Event("fill", {"fill_qty": 10})
    result = machine.process("open", event, {"order_qty": 10})
    assert result.success and result.trigger == "fill" and result.target_state == "filled"
    assert seen[-1]["fill_qty"] == 10 and seen[-1]["_event"] is event
    rejected = machine.process("open", Event("fill", {"fill_qty": 1}), {"order_qty": 10})
    assert not rejected.success


def test_context_is_optional() -> None:
    machine = _machine([])
    assert machine.process("open", Event("fill", {"fill_qty": 1, "order_qty": 1})).success
    assert not machine.process("open", "fill").success


async def test_aprocess_accepts_an_event() -> None:
    seen: list[Mapping[str, Any]] = []
    machine = _machine(seen)
    event = Event("fill", {"fill_qty": 10})
    result = await machine.aprocess("open", event, {"order_qty": 10})
    assert result.success and seen[-1]["_event"] is event


def test_session_send_accepts_an_event() -> None:
    seen: list[Mapping[str, Any]] = []
    session = _machine(seen).create(context={"order_qty": 2})
    result = session.send(Event("fill", {"fill_qty": 2}))
    assert result.success and session.current_state == "filled"
    assert seen[-1]["_event"].trigger == "fill"


def test_orchestrator_accepts_an_event() -> None:
    seen: list[Mapping[str, Any]] = []
    machine = _machine(seen)
    orchestrator = Orchestrator(machine, InMemoryStateStore())
    result = orchestrator.process_event("e-1", Event("fill", {"fill_qty": 4}), {"order_qty": 4})
    assert result.success and result.target_state == "filled"
    assert seen[-1]["_event"].payload == {"fill_qty": 4}


def test_process_never_mutates_the_callers_context() -> None:
    machine = _machine([])
    context = {"order_qty": 1}
    assert machine.process("open", Event("fill", {"fill_qty": 1}), context).success
    assert context == {"order_qty": 1}

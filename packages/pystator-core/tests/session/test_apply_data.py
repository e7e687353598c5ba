"""apply_data / aapply_data: data merged into the context, then when-routing (eventless first,
a defined transition when one passes, else a direct move), bounded; auto_route after sends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pystator import StateMachine, TransitionResult
from pystator.hooks import TransitionObserver
from pystator.session import MAX_ROUTE_STEPS

from .conftest import Driver

Load = Callable[[str], StateMachine]
ROUTING = Path(__file__).parent / "machines" / "routing.yaml"


def _routing(*, auto_route: bool = False) -> StateMachine:
    config: dict[str, Any] = YAML(typ="safe").load(ROUTING.read_text())
    config["meta"]["classification"]["auto_route"] = auto_route
    return StateMachine.from_dict(config)


def _steps(results: list[TransitionResult]) -> list[tuple[str, str, str | None]]:
    return [(r.trigger, r.source_state, r.target_state) for r in results]


async def test_data_routes_through_a_defined_transition(driver: Driver) -> None:
    session = _routing().create(execute_actions=True)
    results = await driver.apply_data(session, status="accepted")
    assert _steps(results) == [("accept", "new", "accepted")]
    assert session.current_state == "accepted"
    assert session.context == {"status": "accepted", "accepts": 1, "stage": "accepted"}
    assert session.history == results
    assert session.version == 2  # the data, then the transition


async def test_a_direct_move_when_no_transition_leads_there(driver: Driver) -> None:
    session = _routing().create()
    results = await driver.apply_data(session, status="shipped", tracking="T-1")
    assert _steps(results) == [("__route__", "new", "in_transit")]
    assert results[0].metadata["routed"] is True
    assert results[0].all_actions == ("set",)  # shipped's on_enter, no transition actions
    assert session.is_shipped and session.is_in_transit


async def test_eventless_transitions_are_taken_first(driver: Driver) -> None:
    session = _routing().create()
    results = await driver.apply_data(session, prepaid=True, status="shipped", tracking="T-1")
    assert _steps(results) == [("__auto__", "new", "accepted"), ("ship", "accepted", "in_transit")]
    results = await driver.apply_data(session, delivered_at="2026-11-25")
    assert _steps(results) == [("__auto__", "in_transit", "delivered")]
    assert session.current_state == "delivered"


async def test_a_failing_guard_falls_back_to_a_direct_move(driver: Driver) -> None:
    session = _routing().create(initial_state="accepted")
    results = await driver.apply_data(session, status="shipped", tracking="blocked")
    assert _steps(results) == [("__route__", "accepted", "in_transit")]


async def test_nothing_routes(driver: Driver) -> None:
    session = _routing().create()
    assert await driver.apply_data(session, note="hello") == []
    assert session.context == {"note": "hello"}
    assert session.version == 1 and session.history == []
    assert await driver.apply_data(session) == []
    assert session.version == 1  # no data, no change
    await driver.apply_data(session, status="accepted")
    assert await driver.apply_data(session, status="accepted", again=True) == []  # already there
    assert session.current_state == "accepted"


async def test_a_terminal_state_does_not_route(driver: Driver) -> None:
    session = _routing().create(initial_state="closed")
    assert await driver.apply_data(session, status="accepted") == []
    assert session.current_state == "closed"


async def test_mapping_and_keywords_combine() -> None:
    session = _routing().create()
    results = session.apply_data({"status": "shipped", "tracking": "x"}, tracking="T-2")
    assert session.context["tracking"] == "T-2" and len(results) == 1
    with pytest.raises(TypeError, match="data: expected a mapping"):
        session.apply_data([("status", "accepted")])  # type: ignore[arg-type]


async def test_routing_is_bounded(driver: Driver) -> None:
    """A machine whose data and eventless transition disagree forever stops after the bound."""
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "ping_pong", "version": "1", "strict_mode": True},
            "states": [
                {"name": "start", "type": "initial"},
                {"name": "ping", "type": "stable", "when": [{"field": "side", "op": "eq", "value": "ping"}]},
                {"name": "pong", "type": "stable"},
            ],
            "transitions": [{"source": "ping", "dest": "pong", "auto": True}],
        }
    )
    session = machine.create()
    results = await driver.apply_data(session, side="ping")
    assert len(results) == MAX_ROUTE_STEPS
    assert {r.trigger for r in results} == {"__route__", "__auto__"}
    assert session.version == 1 + MAX_ROUTE_STEPS


async def test_auto_route_routes_after_each_send(driver: Driver) -> None:
    session = _routing(auto_route=True).create()
    result = await driver.send(session, "accept", status="shipped", tracking="T-3")
    assert (result.trigger, result.target_state) == ("accept", "accepted")
    assert _steps(session.history) == [("accept", "new", "accepted"), ("ship", "accepted", "in_transit")]
    manual = _routing(auto_route=False).create()
    await driver.send(manual, "accept", status="shipped", tracking="T-3")
    assert manual.current_state == "accepted"


class _Completed:
    def __init__(self) -> None:
        self.triggers: list[str] = []

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.triggers.append(result.trigger)


async def test_the_observer_sees_routed_steps(driver: Driver) -> None:
    hook = _Completed()
    session = _routing().create(observer=TransitionObserver([hook]))
    await driver.apply_data(session, prepaid=True, status="shipped", tracking="T-1")
    assert hook.triggers == ["__auto__", "ship"]

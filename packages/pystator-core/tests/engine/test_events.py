"""Triggers: an ``Event`` is accepted wherever a trigger is (its payload merged into the context
guards see, the Event itself as ``ctx["_event"]``); ``meta.event_normalizer``; purity of the call."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pystator import Event, StateMachine


@pytest.fixture
def seen() -> list[Mapping[str, Any]]:
    return []


@pytest.fixture
def fills(build: Callable[..., StateMachine], seen: list[Mapping[str, Any]]) -> StateMachine:
    machine = build(
        [{"name": "open", "type": "initial"}, {"name": "filled", "type": "terminal"}],
        [
            {
                "trigger": "fill",
                "source": "open",
                "dest": "filled",
                "guards": ["full", {"expr": "qty >= order_qty"}],
            }
        ],
    )

    @machine.guard("full")
    def full(ctx: Mapping[str, Any]) -> bool:
        seen.append(ctx)
        return True

    return machine


def test_event_payload_reaches_guards(run: Any, fills: StateMachine, seen: list[Mapping[str, Any]]) -> None:
    event = Event.simple("fill", qty=100)
    result = run(fills, "open", event, {"order_qty": 100})
    assert result.success and result.trigger == "fill"
    (ctx,) = seen
    assert ctx["qty"] == 100 and ctx["order_qty"] == 100
    assert ctx["_event"] is event


def test_event_payload_overrides_the_context(run: Any, fills: StateMachine) -> None:
    assert not run(fills, "open", Event.simple("fill", qty=1), {"qty": 500, "order_qty": 100}).success


def test_context_is_optional_with_an_event(run: Any, fills: StateMachine) -> None:
    assert run(fills, "open", Event.simple("fill", qty=5, order_qty=5)).success


def test_the_callers_context_is_never_mutated(run: Any, fills: StateMachine) -> None:
    context = {"order_qty": 10, "nested": {"k": [1, 2]}}
    before = copy.deepcopy(context)
    run(fills, "open", Event.simple("fill", qty=10), context)
    run(fills, "open", "fill", context)
    assert context == before


def test_guards_see_a_read_only_context(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}],
        [{"trigger": "go", "source": "a", "dest": "b", "guards": ["meddle"]}],
    )

    @machine.guard
    def meddle(ctx: Any) -> bool:
        ctx["x"] = 1
        return True

    with pytest.raises(TypeError):
        run(machine, "a", "go", {})


@pytest.mark.parametrize(("normalizer", "sent"), [("lower", "GO"), ("lower", "Go"), ("upper", "go")])
def test_event_normalizer(run: Any, build: Callable[..., StateMachine], normalizer: str, sent: str) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}],
        [{"trigger": "go", "source": "a", "dest": "b"}],
        event_normalizer=normalizer,
    )
    result = run(machine, "a", sent)
    assert result.success and result.target_state == "b"
    assert run(machine, "a", Event.simple(sent)).success


def test_without_a_normalizer_triggers_are_exact(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}], [{"trigger": "go", "source": "a", "dest": "b"}]
    )
    assert not run(machine, "a", "GO").success


def test_a_trigger_must_be_a_string_or_an_event(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}], [{"trigger": "go", "source": "a", "dest": "b"}]
    )
    with pytest.raises(TypeError, match="trigger"):
        run(machine, "a", 42)

"""Flat machines: the README quick start, definition order, source lists and ``"*"``, and the
fields of ``TransitionResult``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import ActionSpec, StateMachine, TransitionResult


def test_quick_start(run: Any, load: Callable[..., StateMachine]) -> None:
    machine = load("order")
    result = run(machine, "pending", "exchange_ack", {})
    assert result.success is True
    assert result.target_state == "open"
    assert result.source_state == "pending"
    assert result.trigger == "exchange_ack"
    assert result.error is None
    assert result.all_actions == ()
    assert result.state_changed
    assert not result.is_self_transition


def test_a_chain_of_transitions_reaches_the_terminal_state(
    run: Any, load: Callable[..., StateMachine]
) -> None:
    machine = load("order")
    state = "pending"
    for trigger in ("exchange_ack", "fill"):
        result = run(machine, state, trigger, {})
        assert result.success
        state = result.target_state
    assert state == "filled"
    assert machine.is_terminal(state)


def test_context_is_optional(run: Any, load: Callable[..., StateMachine]) -> None:
    assert run(load("order"), "pending", "exchange_ack").target_state == "open"


def test_first_matching_transition_in_definition_order(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "c"}, {"name": "d"}],
        [
            {
                "trigger": "go",
                "source": "a",
                "dest": "b",
                "guards": [{"check": {"field": "x", "op": "gt", "value": 5}}],
            },
            {"trigger": "go", "source": "a", "dest": "c"},
            {"trigger": "go", "source": "a", "dest": "d"},
        ],
    )
    assert run(machine, "a", "go", {"x": 10}).target_state == "b"
    assert run(machine, "a", "go", {"x": 1}).target_state == "c"


def test_list_sources(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "x", "type": "terminal"}],
        [
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "cancel", "source": ["a", "b"], "dest": "x"},
        ],
    )
    assert run(machine, "a", "cancel").target_state == "x"
    assert run(machine, "b", "cancel").target_state == "x"


def test_star_source_is_every_non_terminal_state(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "x", "type": "terminal"}],
        [
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "cancel", "source": "*", "dest": "x"},
        ],
    )
    assert run(machine, "a", "cancel").target_state == "x"
    assert run(machine, "b", "cancel").target_state == "x"
    refused = run(machine, "x", "cancel")
    assert not refused.success
    assert refused.metadata["reason"] == "terminal_state"


def test_transition_actions_are_planned_as_action_specs(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [
            {"name": "a", "type": "initial", "on_exit": ["bye"]},
            {"name": "b", "on_enter": [{"name": "hello", "params": {"loud": True}}]},
        ],
        [{"trigger": "go", "source": "a", "dest": "b", "actions": ["notify", {"set": {"k": 1}}]}],
    )
    result = run(machine, "a", "go")
    assert result.all_actions == ("bye", "notify", "set", "hello")
    assert result.on_exit_actions == (ActionSpec("bye", {}, "call", None, "exit", "a"),)
    notify, effect = result.actions_to_execute
    assert (notify.name, notify.kind, notify.phase, notify.state) == ("notify", "call", "transition", None)
    assert (effect.name, effect.kind) == ("set", "effect")
    assert effect.definition.set == {"k": 1}
    (hello,) = result.on_enter_actions
    assert (hello.name, dict(hello.params), hello.phase, hello.state) == (
        "hello",
        {"loud": True},
        "enter",
        "b",
    )
    assert hello.definition is not None


def test_every_action_entry_kind_is_planned(run: Any, build: Callable[..., StateMachine]) -> None:
    actions = [
        "bare",
        {"name": "named", "params": {"a": 1}},
        {"custom": {"name": "from_catalog", "params": {"b": 2}}},
        {"timestamp": "at"},
        {"increment": "n"},
        {"decrement": "n"},
        {"append": {"field": "log", "value": 1}},
        {"clear": "tmp"},
        {"compute": {"total": "a + b"}},
        {"http": {"url": "https://example.invalid/{{ id }}"}},
        {"code": {"source": "x = 1"}},
        {"branch": {"when": "x > 1", "then": ["a1"], "else": ["a2"]}},
    ]
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}],
        [{"trigger": "go", "source": "a", "dest": "b", "actions": actions}],
    )
    specs = run(machine, "a", "go").actions_to_execute
    assert [(s.name, s.kind) for s in specs] == [
        ("bare", "call"),
        ("named", "call"),
        ("from_catalog", "custom"),
        ("timestamp", "effect"),
        ("increment", "effect"),
        ("decrement", "effect"),
        ("append", "effect"),
        ("clear", "effect"),
        ("compute", "effect"),
        ("http", "http"),
        ("code", "code"),
        ("branch", "branch"),
    ]
    assert specs[0].definition is None
    assert dict(specs[2].params) == {"b": 2}
    assert all(s.definition is not None for s in specs[1:])


def test_external_self_transition_exits_and_reenters(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(
        [{"name": "a", "type": "initial", "on_exit": ["out"], "on_enter": ["in"]}],
        [{"trigger": "again", "source": "a", "dest": "a", "actions": ["mid"]}],
    )
    result = run(machine, "a", "again")
    assert result.target_state == "a"
    assert result.all_actions == ("out", "mid", "in")
    assert result.is_self_transition
    assert not result.state_changed


def test_results_are_frozen(run: Any, load: Callable[..., StateMachine]) -> None:
    result: TransitionResult = run(load("order"), "pending", "exchange_ack")
    with pytest.raises(AttributeError):
        result.success = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.metadata["x"] = 1  # type: ignore[index]
    assert dict(result.metadata) == {}


def test_a_failed_result_has_no_target_and_no_actions(run: Any, load: Callable[..., StateMachine]) -> None:
    result = run(load("order"), "pending", "fill")
    assert not result.success
    assert result.target_state is None
    assert result.all_action_specs == ()
    assert result.timers_to_start == () and result.timers_to_cancel == ()

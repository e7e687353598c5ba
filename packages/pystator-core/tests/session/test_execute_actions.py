"""execute_actions=True: planned actions run through the machine's ActionRegistry; declarative
effects and actions update the session's context; failures are reported, not raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import ActionNotFoundError, ActionRegistry, EntitySession, StateMachine
from pystator.actions import ActionExecutor

from .conftest import Driver

Load = Callable[[str], StateMachine]


def _machine(load: Load, calls: list[str]) -> StateMachine:
    machine = load("effects")

    @machine.action("record_entry")
    def record_entry(ctx: dict[str, Any]) -> None:
        calls.append("record_entry")
        ctx["entered_by"] = "record_entry"

    @machine.action("notify")
    def notify(ctx: dict[str, Any]) -> None:
        calls.append(f"notify:{ctx['status']}")

    return machine


async def test_by_default_actions_are_planned_not_run(load: Load, driver: Driver) -> None:
    calls: list[str] = []
    session = _machine(load, calls).create()
    assert session.initial_result is not None
    assert session.initial_result.all_actions == ("set", "record_entry")
    assert session.context == {}
    result = await driver.send(session, "start")
    assert result.all_actions == ("set", "notify", "increment")
    assert calls == []
    assert session.context == {}
    assert session.last_execution is None


async def test_initial_entry_actions_run_at_create(load: Load) -> None:
    calls: list[str] = []
    session = _machine(load, calls).create(context={"id": 1}, execute_actions=True)
    assert calls == ["record_entry"]
    assert session.context == {"id": 1, "started": True, "entered_by": "record_entry"}
    assert session.version == 0
    assert session.last_execution is not None and session.last_execution.all_succeeded


async def test_effects_and_actions_update_the_context(load: Load, driver: Driver) -> None:
    calls: list[str] = []
    session = _machine(load, calls).create(execute_actions=True)
    await driver.send(session, "start")
    assert calls == ["record_entry", "notify:counting"]
    assert session.context["status"] == "counting"
    assert session.context["entries"] == 1
    await driver.send(session, "tick")
    await driver.send(session, "tick")
    assert session.context["ticks"] == 2
    assert session.context["entries"] == 3  # a self-transition exits and re-enters
    await driver.send(session, "finish")
    assert session.context["finished"] is True
    assert session.is_final
    assert session.last_execution is not None
    assert session.last_execution.succeeded_actions == ["set"]


async def test_a_failing_action_is_reported_and_the_transition_stays(load: Load, driver: Driver) -> None:
    machine = load("effects")

    def notify(ctx: dict[str, Any]) -> None:
        ctx["half_done"] = True
        raise RuntimeError("mail server down")

    machine.action_registry.register("notify", notify)
    machine.action_registry.register("record_entry", lambda ctx: None)
    session = machine.create(execute_actions=True)
    result = await driver.send(session, "start")
    assert result.success
    assert session.current_state == "counting"
    execution = session.last_execution
    assert execution is not None
    assert execution.failed_actions == ["notify"]
    assert "half_done" not in session.context  # a failed action's changes are dropped
    assert session.context["status"] == "counting"


async def test_registry_bound_later_is_used(load: Load, driver: Driver) -> None:
    machine = load("effects")
    session = machine.create(execute_actions=True)
    assert session.last_execution is not None
    assert session.last_execution.skipped_actions == ["record_entry"]  # not registered yet
    calls: list[str] = []
    registry = ActionRegistry()
    registry.register("notify", lambda ctx: calls.append("bound"))
    machine.bind_actions(registry)
    await driver.send(session, "start")
    assert calls == ["bound"]


async def test_an_async_action_on_the_async_path(load: Load) -> None:
    machine = load("effects")
    seen: list[str] = []

    async def notify(ctx: dict[str, Any]) -> None:
        seen.append(ctx["status"])
        ctx["notified"] = True

    machine.action_registry.register("notify", notify)
    session = machine.create(execute_actions=True)
    await session.asend("start")
    assert seen == ["counting"]
    assert session.context["notified"] is True


async def test_a_strict_executor_raises_before_anything_changes(load: Load, driver: Driver) -> None:
    machine = load("effects")
    strict = ActionExecutor(machine.action_registry, strict=True)
    session = EntitySession(machine, executor=strict, initial_state="counting")
    assert session.execute_actions
    with pytest.raises(ActionNotFoundError, match="relay_events"):
        await driver.send(session, "relay")
    assert session.current_state == "counting" and session.version == 0 and session.history == []


def test_initial_entry_plans_every_entered_state_and_its_timers() -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "entry", "version": "1", "strict_mode": True},
            "states": [
                {"name": "outer", "type": "initial", "initial_child": "inner", "on_enter": ["outer_in"]},
                {
                    "name": "inner",
                    "type": "stable",
                    "parent": "outer",
                    "on_enter": ["inner_in"],
                    "timeout": {"seconds": 5, "destination": "late"},
                },
                {"name": "late", "type": "terminal"},
            ],
            "transitions": [{"after": "30s", "source": "inner", "dest": "late"}],
        }
    )
    session = machine.create()
    entry = session.initial_result
    assert entry is not None
    assert session.current_state == "inner"
    assert (entry.source_state, entry.target_state, entry.trigger) == ("", "inner", "__initial__")
    assert [(s.name, s.state, s.phase) for s in entry.on_enter_actions] == [
        ("outer_in", "outer", "enter"),
        ("inner_in", "inner", "enter"),
    ]
    assert sorted((t.kind, t.delay_ms) for t in entry.timers_to_start) == [
        ("after", 30_000),
        ("timeout", 5_000),
    ]

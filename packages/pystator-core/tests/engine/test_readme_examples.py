"""The product README's StateMachine examples, end to end: quick start from a file, guards and
actions by decorators and by registries, actions run by ``ActionExecutor`` after ``process``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pystator import ActionRegistry, GuardRegistry, StateMachine
from pystator.actions import ActionExecutor

FIXTURES = Path(__file__).parent / "fixtures"


def _order_with_fill_actions() -> StateMachine:
    return StateMachine.from_dict(
        {
            "meta": {"version": "1.0.0", "machine_name": "order_management", "strict_mode": True},
            "states": [
                {"name": "pending", "type": "initial"},
                {"name": "open"},
                {"name": "filled", "type": "terminal", "on_enter": [{"set": {"closed": True}}]},
            ],
            "transitions": [
                {"trigger": "exchange_ack", "source": "pending", "dest": "open"},
                {
                    "trigger": "execution_report",
                    "source": "open",
                    "dest": "filled",
                    "guards": ["is_full_fill"],
                    "actions": ["update_positions"],
                },
            ],
        }
    )


def test_quick_start_from_a_file() -> None:
    machine = StateMachine.from_yaml(FIXTURES / "order.yaml")
    result = machine.process("pending", "exchange_ack", {})
    assert (result.success, result.target_state) == (True, "open")


def test_decorators_then_executor() -> None:
    machine = _order_with_fill_actions()
    ran: list[Mapping[str, Any]] = []

    @machine.guard("is_full_fill")
    def is_full_fill(ctx: Mapping[str, Any]) -> bool:
        return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    @machine.action("update_positions")
    def update_positions(ctx: Mapping[str, Any]) -> None:
        ran.append(dict(ctx))

    context = {"fill_qty": 100, "order_qty": 100}
    result = machine.process("open", "execution_report", context)
    assert result.success and result.all_actions == ("update_positions", "set")
    execution = ActionExecutor(machine.action_registry).execute(result, context)
    assert execution.all_succeeded
    assert execution.succeeded_actions == ["update_positions", "set"]
    assert ran == [context]


def test_registries_then_executor() -> None:
    machine = _order_with_fill_actions()
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    machine.bind_guards(guards)
    calls: list[str] = []
    actions = ActionRegistry()
    actions.register("update_positions", lambda ctx: calls.append("updated"))
    executor = ActionExecutor(actions)
    context = {"fill_qty": 100, "order_qty": 100}
    result = machine.process("open", "execution_report", context)
    assert result.success
    executor.execute(result, context)
    assert calls == ["updated"]
    rejected = machine.process("open", "execution_report", {"fill_qty": 1, "order_qty": 100})
    assert rejected.metadata["reason"] == "guard_rejected"
    assert rejected.metadata["guard_name"] == "is_full_fill"

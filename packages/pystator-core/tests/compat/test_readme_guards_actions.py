"""The product README's "With guards and actions" (options 1 and 2) and the API reference's guards
and actions lines, run verbatim against ``order_fsm.yaml``.

The quick-start ``order_fsm.yaml`` has no ``execution_report`` trigger, so option 2 verbatim is a
refused event there; each example also runs against the fuller order machine of the examples (an
``execution_report`` transition guarded by ``is_full_fill`` with action ``update_positions``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pystator import ErrorCode

FULL_ORDER_YAML = """\
meta:
  version: "1.0.0"
  machine_name: "order_management"
  strict_mode: true
states:
  - name: pending
    type: initial
  - name: open
    type: stable
  - name: filled
    type: terminal
transitions:
  - trigger: exchange_ack
    source: pending
    dest: open
  - trigger: fill
    source: open
    dest: filled
  - trigger: execution_report
    source: open
    dest: filled
    guards: [is_full_fill]
    actions: [update_positions]
"""


@pytest.fixture
def project(order_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(order_yaml.parent)
    return order_yaml.parent


@pytest.fixture
def full_project(project: Path) -> Path:
    (project / "order_fsm.yaml").write_text(FULL_ORDER_YAML, encoding="utf-8")
    return project


def test_option_1_decorators(full_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pystator import StateMachine
    from pystator.actions import ActionExecutor

    machine = StateMachine.from_yaml("order_fsm.yaml")

    @machine.guard("is_full_fill")
    def is_full_fill(ctx: Mapping[str, Any]) -> bool:
        return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    @machine.action("update_positions")
    def update_positions(ctx: Mapping[str, Any]) -> None:
        print("Positions updated")

    # Then: machine.process(...) and ActionExecutor(machine.action_registry).execute(result, context)
    # to run actions
    context = {"fill_qty": 100, "order_qty": 100}
    result = machine.process("open", "execution_report", context)
    ActionExecutor(machine.action_registry).execute(result, context)
    assert result.success and capsys.readouterr().out == "Positions updated\n"
    partial = machine.process("open", "execution_report", {"fill_qty": 1, "order_qty": 100})
    assert not partial.success and partial.metadata["guard_name"] == "is_full_fill"


def _option_2(capsys: pytest.CaptureFixture[str]) -> tuple[Any, str]:
    from pystator import ActionRegistry, GuardRegistry, StateMachine
    from pystator.actions import ActionExecutor

    machine = StateMachine.from_yaml("order_fsm.yaml")
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    machine.bind_guards(guards)
    actions = ActionRegistry()
    actions.register("update_positions", lambda ctx: print("Positions updated"))
    executor = ActionExecutor(actions)
    result = machine.process("open", "execution_report", {"fill_qty": 100, "order_qty": 100})
    if result.success:
        # 1. Persist state change to your DB
        # 2. Then run actions
        executor.execute(result, {"fill_qty": 100, "order_qty": 100})
    return result, capsys.readouterr().out


def test_option_2_registries(full_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _option_2(capsys)
    assert result.success and result.target_state == "filled"
    assert out == "Positions updated\n"


def test_option_2_on_the_quick_start_machine_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result, out = _option_2(capsys)
    assert not result.success and out == ""
    assert result.error is not None and result.error.code is ErrorCode.INVALID_TRIGGER


async def test_api_reference_guards_and_actions(full_project: Path) -> None:
    from pystator import ActionRegistry, GuardRegistry, StateMachine
    from pystator.actions import ActionExecutor

    machine = StateMachine.from_yaml("order_fsm.yaml")
    ran: list[str] = []
    guards = GuardRegistry()
    guards.register("name", lambda ctx: bool)

    @guards.decorator("is_full_fill")
    def my_guard(ctx: dict[str, Any]) -> bool:
        return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    actions = ActionRegistry()
    actions.register("name", lambda ctx: None)

    @actions.decorator()
    def update_positions(ctx: dict[str, Any]) -> None:
        ran.append("update_positions")

    machine.bind_guards(guards)
    executor = ActionExecutor(actions)
    context = {"fill_qty": 5, "order_qty": 5}
    transition_result = machine.process("open", "execution_report", context)
    executor.execute(transition_result, context)
    # Async: await executor.async_execute_parallel(result, context)
    result = transition_result
    execution = await executor.async_execute_parallel(result, context)
    assert ran == ["update_positions", "update_positions"] and execution.all_succeeded
    assert guards.has("name") and "update_positions" in actions

"""Compat surface, section "ActionExecutor": options, sync/async/parallel execution and the
``ExecutionResult`` it returns; unregistered actions skipped (lenient) or raised (strict)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

import pystator
import pystator.actions
from pystator import ActionNotFoundError, ActionRegistry, ActionStatus, ExecutionResult, StateMachine
from pystator.actions import ActionExecutor


def test_importable_from_both_paths() -> None:
    assert pystator.ActionExecutor is pystator.actions.ActionExecutor
    assert pystator.ExecutionResult is pystator.actions.ExecutionResult


@pytest.fixture
def machine(order_config: dict[str, Any]) -> StateMachine:
    return StateMachine.from_dict(order_config)


def _registry(ran: list[str], *, failing: str | None = None) -> ActionRegistry:
    actions = ActionRegistry()
    for name in ("log_exit", "record_ack", "notify"):

        def action(ctx: Mapping[str, Any], _name: str = name, **params: Any) -> None:
            ran.append(_name)
            if _name == failing:
                raise RuntimeError(f"{_name} failed")

        actions.register(name, action)
    return actions


def test_positional_and_keyword_options() -> None:
    registry = ActionRegistry()
    executor = ActionExecutor(registry, True, False, True)
    assert (executor.stop_on_error, executor.log_execution, executor.strict) == (True, False, True)
    keywords = ActionExecutor(registry, stop_on_error=False, log_execution=True, strict=False)
    assert keywords.registry is registry and not keywords.strict


def test_execute_runs_in_order_and_reports(machine: StateMachine) -> None:
    ran: list[str] = []
    result = machine.process("pending", "exchange_ack", {})
    execution = ActionExecutor(_registry(ran)).execute(result, {})
    assert isinstance(execution, ExecutionResult)
    assert execution.transition_result is result
    assert ran == ["log_exit", "record_ack", "notify"]
    assert [r.action_name for r in execution.action_results] == ran
    assert execution.all_succeeded and execution.failed_actions == []
    assert execution.succeeded_actions == ran


def test_a_failure_is_recorded_and_the_rest_still_run(machine: StateMachine) -> None:
    ran: list[str] = []
    result = machine.process("pending", "exchange_ack", {})
    execution = ActionExecutor(_registry(ran, failing="record_ack")).execute(result, {})
    assert ran == ["log_exit", "record_ack", "notify"]
    assert not execution.all_succeeded and execution.failed_actions == ["record_ack"]
    assert execution.succeeded_actions == ["log_exit", "notify"]


def test_stop_on_error(machine: StateMachine) -> None:
    ran: list[str] = []
    result = machine.process("pending", "exchange_ack", {})
    execution = ActionExecutor(_registry(ran, failing="log_exit"), stop_on_error=True).execute(result, {})
    assert ran == ["log_exit"] and execution.failed_actions == ["log_exit"]


def test_unregistered_action_is_skipped_unless_strict(machine: StateMachine) -> None:
    result = machine.process("pending", "exchange_ack", {})
    lenient = ActionExecutor(ActionRegistry()).execute(result, {})
    assert [r.status for r in lenient.action_results] == [ActionStatus.SKIPPED] * 3
    assert lenient.all_succeeded and lenient.succeeded_actions == []
    with pytest.raises(ActionNotFoundError):
        ActionExecutor(ActionRegistry(), strict=True).execute(result, {})


async def test_async_execute_and_parallel(machine: StateMachine) -> None:
    ran: list[str] = []
    actions = _registry(ran)

    async def notify(ctx: Mapping[str, Any], **params: Any) -> str:
        await asyncio.sleep(0)
        ran.append("async_notify")
        return str(params.get("channel"))

    actions.register("notify", notify)
    result = machine.process("pending", "exchange_ack", {})
    executor = ActionExecutor(actions)
    sequential = await executor.async_execute(result, {})
    assert ran == ["log_exit", "record_ack", "async_notify"] and sequential.all_succeeded
    assert sequential.action_results[-1].result == "email"
    ran.clear()
    parallel = await executor.async_execute_parallel(result, {})
    assert sorted(ran) == ["async_notify", "log_exit", "record_ack"]
    assert parallel.succeeded_actions == ["log_exit", "record_ack", "notify"]


def test_strict_checks_every_name_before_running_any(machine: StateMachine) -> None:
    ran: list[str] = []
    actions = _registry(ran)
    actions.unregister("notify")
    result = machine.process("pending", "exchange_ack", {})
    with pytest.raises(ActionNotFoundError) as caught:
        ActionExecutor(actions, strict=True).execute(result, {})
    assert caught.value.action_name == "notify" and ran == []

"""ActionExecutor: run order, params, results, strict/lenient, stop_on_error, context, sync/async/parallel."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from pystator import ActionNotFoundError, ActionRegistry, ActionStatus
from pystator.actions import ActionExecutor, ExecutionResult
from pystator.result import ActionSpec, TransitionResult


def recorder() -> tuple[ActionRegistry, list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    registry = ActionRegistry()
    for name in ("first", "second", "third", "leave", "arrive"):
        registry.register(name, lambda ctx, _n=name, **params: calls.append((_n, params)))
    return registry, calls


def test_runs_exit_transition_enter_in_order_with_params_as_keywords(plan: Any) -> None:
    registry, calls = recorder()
    result = plan(
        ["first", {"name": "second", "params": {"qty": 3, "side": "buy"}}],
        on_exit=["leave"],
        on_enter=[{"custom": {"name": "arrive", "params": {"level": 2}}}],
    )
    execution = ActionExecutor(registry).execute(result, {"x": 1})
    assert calls == [
        ("leave", {}),
        ("first", {}),
        ("second", {"qty": 3, "side": "buy"}),
        ("arrive", {"level": 2}),
    ]
    assert isinstance(execution, ExecutionResult)
    assert execution.transition_result is result
    assert [r.name for r in execution.action_results] == ["leave", "first", "second", "arrive"]
    assert [r.phase for r in execution.action_results] == ["exit", "transition", "transition", "enter"]
    assert execution.all_succeeded
    assert execution.succeeded_actions == ["leave", "first", "second", "arrive"]
    assert execution.failed_actions == []
    assert all(r.duration_ms >= 0 and r.attempts == 1 for r in execution.action_results)


def test_readme_registry_example() -> None:
    actions = ActionRegistry()
    seen: list[Mapping[str, Any]] = []
    actions.register("update_positions", seen.append)
    executor = ActionExecutor(actions)
    result = TransitionResult(
        success=True,
        source_state="open",
        target_state="filled",
        trigger="execution_report",
        actions_to_execute=(ActionSpec("update_positions"),),
    )
    execution = executor.execute(result, {"fill_qty": 100, "order_qty": 100})
    assert execution.succeeded_actions == ["update_positions"]
    assert seen[0]["fill_qty"] == 100


def test_one_failure_does_not_hide_the_others(plan: Any) -> None:
    registry, calls = recorder()
    registry.register("boom", lambda ctx: 1 / 0)
    execution = ActionExecutor(registry).execute(plan(["first", "boom", "second"]))
    assert [c[0] for c in calls] == ["first", "second"]
    assert [r.status for r in execution.action_results] == [
        ActionStatus.SUCCESS,
        ActionStatus.FAILED,
        ActionStatus.SUCCESS,
    ]
    assert execution.failed_actions == ["boom"]
    assert not execution.all_succeeded
    assert isinstance(execution.action_results[1].error, ZeroDivisionError)
    assert execution.errors == [execution.action_results[1].error]


def test_stop_on_error_records_the_rest_as_skipped(plan: Any) -> None:
    registry, calls = recorder()
    registry.register("boom", lambda ctx: 1 / 0)
    execution = ActionExecutor(registry, stop_on_error=True).execute(
        plan(["first", "boom", "second"], on_enter=["arrive"])
    )
    assert [c[0] for c in calls] == ["first"]
    assert [r.status.value for r in execution.action_results] == ["success", "failed", "skipped", "skipped"]
    assert "boom" in execution.action_results[2].reason
    assert execution.skipped_actions == ["second", "arrive"]


def test_unregistered_is_skipped_when_lenient_and_raises_when_strict(plan: Any) -> None:
    registry, calls = recorder()
    assert calls == []
    execution = ActionExecutor(registry).execute(plan(["first", "nobody_registered_this"]))
    skipped = execution.action_results[1]
    assert skipped.status is ActionStatus.SKIPPED
    assert isinstance(skipped.error, ActionNotFoundError)
    assert execution.all_succeeded
    calls.clear()
    with pytest.raises(ActionNotFoundError, match="nobody_registered_this"):
        ActionExecutor(registry, strict=True).execute(plan(["first", "nobody_registered_this"]))
    assert calls == [], "strict mode checks every name before anything runs"


def test_a_failed_transition_runs_nothing() -> None:
    registry, calls = recorder()
    failed = TransitionResult(
        success=False,
        source_state="a",
        target_state=None,
        trigger="go",
        actions_to_execute=(ActionSpec("first"),),
    )
    assert ActionExecutor(registry).execute(failed).action_results == []
    assert calls == []


def test_phases_select_part_of_the_plan(plan: Any) -> None:
    registry, calls = recorder()
    result = plan(["first"], on_exit=["leave"], on_enter=["arrive"])
    executor = ActionExecutor(registry)
    assert [r.name for r in executor.execute(result, phases=["exit"]).action_results] == ["leave"]
    assert [r.name for r in executor.execute(result, phases=("transition", "enter")).action_results] == [
        "first",
        "arrive",
    ]
    assert [name for name, _ in calls] == ["leave", "first", "arrive"]
    with pytest.raises(ValueError, match="entry"):
        executor.execute(result, phases=["entry"])


def test_callers_context_is_never_modified_and_changes_are_returned(plan: Any) -> None:
    registry = ActionRegistry()

    def assign(ctx: dict[str, Any], **params: Any) -> None:
        ctx["assigned"] = params["value"]

    def sees_previous(ctx: dict[str, Any]) -> Any:
        return ctx.get("assigned")

    registry.register("assign", assign)
    registry.register("sees_previous", sees_previous)
    registry.register("fails_after_writing", lambda ctx: (ctx.__setitem__("half", True), 1 / 0))
    original = {"order": {"qty": 1}}
    execution = ActionExecutor(registry).execute(
        plan(
            [
                {"name": "assign", "params": {"value": 7}},
                "sees_previous",
                "fails_after_writing",
                {"set": {"order.qty": 2}},
            ]
        ),
        original,
    )
    assert original == {"order": {"qty": 1}}
    assert execution.action_results[1].result == 7
    assert execution.context == {"order": {"qty": 2}, "assigned": 7}, "a failed action's writes are dropped"


def test_async_actions_in_sync_execute_get_their_own_loop(plan: Any) -> None:
    registry = ActionRegistry()

    async def later(ctx: dict[str, Any], value: int) -> int:
        await asyncio.sleep(0)
        return value * 2

    registry.register("later", later)
    execution = ActionExecutor(registry).execute(plan([{"name": "later", "params": {"value": 21}}]))
    assert execution.action_results[0].result == 42


async def test_sync_execute_inside_a_running_loop_names_the_async_method(plan: Any) -> None:
    registry = ActionRegistry()

    async def later(ctx: dict[str, Any]) -> None:
        return None

    registry.register("later", later)
    execution = ActionExecutor(registry).execute(plan(["later"]))
    assert execution.action_results[0].status is ActionStatus.FAILED
    assert "async_execute" in str(execution.action_results[0].error)


async def test_async_execute_runs_sync_and_async_actions_in_order(plan: Any) -> None:
    registry = ActionRegistry()
    order: list[str] = []

    async def a(ctx: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        order.append("a")

    registry.register("a", a)
    registry.register("b", lambda ctx: order.append("b"))
    execution = await ActionExecutor(registry).async_execute(plan(["a", "b", {"increment": "n"}]), {"n": 1})
    assert order == ["a", "b"]
    assert execution.context["n"] == 2
    assert execution.all_succeeded


async def test_parallel_actions_really_run_concurrently(plan: Any) -> None:
    registry = ActionRegistry()
    first_started, second_started = asyncio.Event(), asyncio.Event()

    async def first(ctx: dict[str, Any]) -> None:
        first_started.set()
        await asyncio.wait_for(second_started.wait(), 5)

    async def second(ctx: dict[str, Any]) -> None:
        second_started.set()
        await asyncio.wait_for(first_started.wait(), 5)

    registry.register("first", first)
    registry.register("second", second)
    execution = await ActionExecutor(registry).async_execute_parallel(plan(["first", "second"]))
    # Sequentially, each would wait for the other until its 5 s limit: only concurrency passes.
    assert execution.all_succeeded
    assert [r.name for r in execution.action_results] == ["first", "second"]


async def test_parallel_merges_each_actions_changes_in_plan_order(plan: Any) -> None:
    execution = await ActionExecutor().async_execute_parallel(
        plan([{"set": {"a": 1}}, {"set": {"b": 2}}, {"clear": "gone"}, {"set": {"a": 3}}]),
        {"gone": True, "kept": 0},
    )
    assert execution.context == {"a": 3, "b": 2, "kept": 0}


async def test_phased_mode_finishes_each_phase_before_the_next(plan: Any) -> None:
    registry = ActionRegistry()
    log: list[str] = []

    def make(name: str, pause: int) -> Any:
        async def action(ctx: dict[str, Any]) -> None:
            log.append(f"{name}:start")
            for _ in range(pause):
                await asyncio.sleep(0)
            log.append(f"{name}:end")

        return action

    for name, pause in (("x1", 3), ("x2", 0), ("t1", 2), ("t2", 0), ("e1", 0)):
        registry.register(name, make(name, pause))
    result = plan(["t1", "t2"], on_exit=["x1", "x2"], on_enter=["e1"])
    await ActionExecutor(registry).async_execute_parallel(result, phased=True)
    assert log.index("x1:end") < log.index("t1:start")
    assert log.index("t1:end") < log.index("e1:start")
    assert log.index("t2:start") < log.index("t1:end"), "actions of one phase run together"
    log.clear()
    await ActionExecutor(registry).async_execute_phased(result)
    assert log.index("x1:end") < log.index("t1:start")


async def test_phased_stop_on_error_skips_later_phases(plan: Any) -> None:
    registry = ActionRegistry()
    registry.register("boom", lambda ctx: 1 / 0)
    registry.register("fine", lambda ctx: None)
    execution = await ActionExecutor(registry, stop_on_error=True).async_execute_parallel(
        plan(["fine"], on_exit=["boom", "fine"], on_enter=["fine"]), phased=True
    )
    assert [r.status.value for r in execution.action_results] == ["failed", "success", "skipped", "skipped"]


def test_builtins_are_found_unless_turned_off(plan: Any) -> None:
    execution = ActionExecutor().execute(plan(["noop", {"name": "set_context", "params": {"k": "v"}}]))
    assert execution.succeeded_actions == ["noop", "set_context"]
    assert execution.context == {"k": "v"}
    lenient = ActionExecutor(use_builtins=False).execute(plan(["noop"]))
    assert lenient.skipped_actions == ["noop"]


def test_a_registered_name_wins_over_a_builtin(plan: Any) -> None:
    registry = ActionRegistry()
    registry.register("noop", lambda ctx: "mine")
    assert ActionExecutor(registry).execute(plan(["noop"])).action_results[0].result == "mine"


def test_execute_specs_accepts_hand_built_specs_with_dict_definitions() -> None:
    spec = ActionSpec("set", kind="effect", definition={"set": {"status": "ok"}})
    execution = ActionExecutor().execute_specs([spec], {})
    assert execution.transition_result is None
    assert execution.context == {"status": "ok"}
    bad = ActionSpec("set", kind="effect", definition={"set": "not a mapping"})
    failed = ActionExecutor().execute_specs([bad]).action_results[0]
    assert failed.status is ActionStatus.FAILED
    assert "set" in str(failed.error)


def test_failures_are_logged_with_the_action_name(plan: Any, caplog: pytest.LogCaptureFixture) -> None:
    registry = ActionRegistry()
    registry.register("boom", lambda ctx: 1 / 0)
    with caplog.at_level("WARNING", logger="pystator.actions"):
        ActionExecutor(registry).execute(plan(["boom"]))
    assert any("boom" in r.getMessage() and "failed" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="pystator.actions"):
        ActionExecutor(registry, log_execution=False).execute(plan(["boom"]))
    assert caplog.records == []


def test_constructor_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="http_timeout"):
        ActionExecutor(http_timeout=0)
    with pytest.raises(ValueError, match="max_branch_depth"):
        ActionExecutor(max_branch_depth=0)


def test_many_threads_can_share_one_executor(plan: Any) -> None:
    registry = ActionRegistry()
    registry.register("double", lambda ctx: ctx["n"] * 2)
    executor = ActionExecutor(registry)
    results: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        value = executor.execute(plan(["double", {"increment": "n"}]), {"n": n})
        with lock:
            results.append(value.action_results[0].result + value.context["n"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted(3 * n + 1 for n in range(20))

"""Per-action options: when (skipped), timeout (timed_out), retry and retry_backoff (injected sleep)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pystator import ActionRegistry, ActionStatus
from pystator.actions import ActionExecutor


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event that blocked actions wait on; set at teardown so abandoned threads end."""
    event = threading.Event()
    yield event
    event.set()


def flaky(failures: int) -> tuple[ActionRegistry, list[int]]:
    attempts: list[int] = []
    registry = ActionRegistry()

    def action(ctx: dict[str, Any]) -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= failures:
            raise ConnectionError(f"attempt {len(attempts)} failed")
        return "ok"

    registry.register("flaky", action)
    return registry, attempts


def test_when_false_skips_and_true_runs(plan: Any) -> None:
    registry = ActionRegistry()
    registry.register("notify", lambda ctx: "sent")
    result = plan(
        [
            {"name": "notify", "when": "qty > 10"},
            {"name": "notify", "when": {"field": "side", "op": "eq", "value": "buy"}},
            {
                "set": {"flag": True},
                "when": {"anyOf": [{"expr": "qty > 100"}, {"check": {"field": "vip", "op": "is_set"}}]},
            },
        ]
    )
    execution = ActionExecutor(registry).execute(result, {"qty": 5, "side": "buy"})
    assert [r.status for r in execution.action_results] == [
        ActionStatus.SKIPPED,
        ActionStatus.SUCCESS,
        ActionStatus.SKIPPED,
    ]
    assert execution.action_results[0].reason == "when: condition is false"
    assert "flag" not in execution.context


def test_when_sees_changes_made_by_earlier_actions(plan: Any) -> None:
    execution = ActionExecutor().execute(
        plan([{"increment": "n"}, {"set": {"big": True}, "when": "n >= 2"}]), {"n": 1}
    )
    assert execution.context == {"n": 2, "big": True}


def test_when_that_cannot_be_evaluated_fails_the_action(plan: Any) -> None:
    execution = ActionExecutor().execute(plan([{"name": "noop", "when": "qty + 'x' > 1"}]), {"qty": 1})
    assert execution.action_results[0].status is ActionStatus.FAILED


def test_retry_until_success_with_doubling_backoff(plan: Any) -> None:
    registry, attempts = flaky(failures=2)
    slept: list[float] = []
    execution = ActionExecutor(registry, sleep=slept.append).execute(
        plan([{"name": "flaky", "retry": 3, "retry_backoff": "100ms"}])
    )
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.SUCCESS
    assert outcome.attempts == 3
    assert attempts == [1, 2, 3]
    assert slept == [0.1, 0.2]


def test_retry_gives_up_and_reports_the_last_error(plan: Any) -> None:
    registry, _ = flaky(failures=10)
    slept: list[float] = []
    execution = ActionExecutor(registry, sleep=slept.append).execute(plan([{"name": "flaky", "retry": 2}]))
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert outcome.attempts == 3
    assert "attempt 3 failed" in str(outcome.error)
    assert "3 attempts" in outcome.reason
    assert slept == [], "no backoff configured, no waiting"


async def test_async_retry_uses_the_async_sleep(plan: Any) -> None:
    registry, _ = flaky(failures=1)
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    execution = await ActionExecutor(registry, async_sleep=fake_sleep).async_execute(
        plan([{"name": "flaky", "retry": 1, "retry_backoff": 2}])
    )
    assert execution.action_results[0].attempts == 2
    assert slept == [2.0]


def test_sync_timeout_abandons_a_blocked_action(plan: Any, release: threading.Event) -> None:
    registry = ActionRegistry()
    registry.register("stuck", lambda ctx: (ctx.__setitem__("late", True), release.wait(30)))
    registry.register("after", lambda ctx: "ran")
    execution = ActionExecutor(registry).execute(plan([{"name": "stuck", "timeout": "100ms"}, "after"]))
    stuck, after = execution.action_results
    assert stuck.status is ActionStatus.TIMED_OUT
    assert "100" in str(stuck.error) or "0.1" in str(stuck.error)
    assert execution.timed_out_actions == ["stuck"]
    assert execution.failed_actions == ["stuck"]
    assert after.status is ActionStatus.SUCCESS
    assert "late" not in execution.context, "a timed-out action's writes are dropped"


def test_timeout_is_retried_and_a_fast_action_is_unaffected(plan: Any, release: threading.Event) -> None:
    calls: list[int] = []
    registry = ActionRegistry()

    def slow_then_fast(ctx: dict[str, Any]) -> str:
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)
        return "done"

    registry.register("slow_then_fast", slow_then_fast)
    execution = ActionExecutor(registry).execute(
        plan([{"name": "slow_then_fast", "timeout": 0.1, "retry": 1}])
    )
    assert execution.action_results[0].status is ActionStatus.SUCCESS
    assert execution.action_results[0].attempts == 2


async def test_async_timeout_cancels_a_coroutine(plan: Any) -> None:
    registry = ActionRegistry()
    cancelled = asyncio.Event()

    async def hangs(ctx: dict[str, Any]) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    registry.register("hangs", hangs)
    execution = await ActionExecutor(registry).async_execute(plan([{"name": "hangs", "timeout": 0.05}]))
    assert execution.action_results[0].status is ActionStatus.TIMED_OUT
    assert cancelled.is_set()


async def test_async_timeout_on_a_blocking_sync_action(plan: Any, release: threading.Event) -> None:
    registry = ActionRegistry()
    registry.register("blocks", lambda ctx: release.wait(30))
    execution = await ActionExecutor(registry).async_execute_parallel(
        plan([{"name": "blocks", "timeout": 0.05}, "noop"])
    )
    assert [r.status for r in execution.action_results] == [ActionStatus.TIMED_OUT, ActionStatus.SUCCESS]


def test_an_action_raising_timeout_error_is_timed_out(plan: Any) -> None:
    registry = ActionRegistry()

    def times_out(ctx: dict[str, Any]) -> None:
        raise TimeoutError("upstream did not answer")

    registry.register("times_out", times_out)
    execution = ActionExecutor(registry).execute(plan(["times_out"]))
    assert execution.action_results[0].status is ActionStatus.TIMED_OUT

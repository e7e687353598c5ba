"""Action executor overhead per action, and what an observer costs with no hook versus one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from _figures import Figure, per_call_us

from pystator import ActionRegistry, MetricsCollector, TransitionObserver, TransitionResult
from pystator.actions import ActionExecutor, action_specs_from_entries

ACTIONS = 10


def _result(entries: list[object]) -> TransitionResult:
    return TransitionResult(
        success=True,
        source_state="a",
        target_state="b",
        trigger="go",
        actions_to_execute=action_specs_from_entries(entries),
    )


def _executor_figures() -> list[Figure]:
    registry = ActionRegistry()
    registry.register("work", lambda ctx, **params: None)
    executor = ActionExecutor(registry, log_execution=False)
    context = {"order_id": "A1", "qty": 100, "price": 12.5, "side": "buy"}
    calls = _result(["work"] * ACTIONS)
    with_params = _result([{"name": "work", "params": {"level": 2}}] * ACTIONS)
    effects = _result([{"set": {"status": "open"}}] * ACTIONS)
    fn = registry.get("work")

    def direct() -> None:
        for _ in range(ACTIONS):
            fn(context)

    base = per_call_us(direct, calls=20_000)
    per_call = (per_call_us(lambda: executor.execute(calls, context), calls=5_000) - base) / ACTIONS
    per_param = (per_call_us(lambda: executor.execute(with_params, context), calls=5_000) - base) / ACTIONS
    per_effect = per_call_us(lambda: executor.execute(effects, context), calls=5_000) / ACTIONS

    async def async_run(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            await executor.async_execute(calls, context)
        return (time.perf_counter() - started) / n * 1e6

    per_async = min(asyncio.run(async_run(3_000)) for _ in range(3)) / ACTIONS
    return [
        Figure("executor overhead per registered action (sync, no options)", per_call, "us", "< 10 us"),
        Figure("executor overhead per registered action with params", per_param, "us", "< 10 us"),
        Figure("executor cost per declarative 'set' effect", per_effect, "us", "< 15 us"),
        Figure("async_execute cost per registered action", per_async, "us", "< 20 us"),
    ]


def _observer_figures() -> list[Figure]:
    result = TransitionResult(success=True, source_state="a", target_state="b", trigger="go")
    context: dict[str, object] = {}

    def process() -> TransitionResult:
        return result

    empty = TransitionObserver()
    one = TransitionObserver([MetricsCollector()])

    def observed(observer: TransitionObserver) -> TransitionResult:
        return observer.run(process, entity_id="e", current_state="a", trigger="go", context=context)

    def passthrough(fn: Callable[[], TransitionResult]) -> TransitionResult:
        return fn()

    # Same call depth as observed(): what remains is the observer's own cost.
    bare = per_call_us(lambda: passthrough(process), calls=200_000)
    none = per_call_us(lambda: observed(empty), calls=200_000) - bare
    with_metrics = per_call_us(lambda: observed(one), calls=100_000) - bare
    notify_none = per_call_us(lambda: empty.transition_complete(result, 0.1, context), calls=200_000)
    return [
        Figure("observer.run() with no hook, over the bare call", none, "us", "< 0.3 us"),
        Figure("observer.transition_complete() with no hook", notify_none, "us", "< 0.3 us"),
        Figure("observer.run() with one MetricsCollector, over the bare call", with_metrics, "us", "< 10 us"),
    ]


def run() -> list[Figure]:
    return _executor_figures() + _observer_figures()

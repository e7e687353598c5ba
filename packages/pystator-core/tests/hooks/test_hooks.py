"""Hooks: the observer's notifications, swallowed hook errors, logging hooks and metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from pystator import (
    GuardRejectedError,
    LoggingHook,
    MetricsCollector,
    StructuredLoggingHook,
    TransitionHook,
    TransitionObserver,
    TransitionResult,
)


def ok(source: str = "pending", target: str = "open", trigger: str = "exchange_ack") -> TransitionResult:
    return TransitionResult(success=True, source_state=source, target_state=target, trigger=trigger)


def rejected() -> TransitionResult:
    error = GuardRejectedError("guard said no", guard_name="is_full", current_state="open", trigger="fill")
    return TransitionResult(
        success=False,
        source_state="open",
        target_state=None,
        trigger="fill",
        error=error,
        metadata={"reason": "guard_rejected", "guard_name": "is_full"},
    )


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def on_before_process(
        self, entity_id: Any, current_state: Any, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.calls.append(("before", entity_id, current_state, trigger))

    def on_transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        self.calls.append(("start", current_state, trigger))

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.calls.append(("complete", result.target_state, duration_ms >= 0))

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.calls.append(("error", type(error).__name__, current_state, trigger))


class OnlyComplete:
    def __init__(self) -> None:
        self.results: list[TransitionResult] = []

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.results.append(result)


class Exploding:
    def on_transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        raise RuntimeError("hook bug")

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        raise RuntimeError("hook bug")


def test_run_notifies_every_stage_in_order() -> None:
    recorder = Recorder()
    assert isinstance(recorder, TransitionHook)
    observer = TransitionObserver([recorder])
    result = observer.run(
        ok, entity_id="order-1", current_state="pending", trigger="exchange_ack", context={}
    )
    assert result.target_state == "open"
    assert recorder.calls == [
        ("before", "order-1", "pending", "exchange_ack"),
        ("start", "pending", "exchange_ack"),
        ("complete", "open", True),
    ]


def test_run_reports_exceptions_and_reraises_them() -> None:
    recorder = Recorder()
    observer = TransitionObserver([recorder])

    def boom() -> TransitionResult:
        raise KeyError("state store down")

    with pytest.raises(KeyError):
        observer.run(boom, entity_id=None, current_state="open", trigger="fill", context={})
    assert recorder.calls[-1] == ("error", "KeyError", "open", "fill")


def test_hooks_may_implement_any_subset() -> None:
    only = OnlyComplete()
    observer = TransitionObserver()
    observer.add_hook(only)
    observer.before_process("e", "pending", "go", {})
    observer.transition_start("pending", "go", {})
    observer.transition_error(ValueError("x"), "pending", "go", {})
    observer.transition_complete(ok(), 1.0, {})
    assert len(only.results) == 1


def test_a_hook_exception_is_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    after = OnlyComplete()
    observer = TransitionObserver([Exploding(), after])
    with caplog.at_level(logging.ERROR, logger="pystator.hooks"):
        result = observer.run(ok, entity_id="e", current_state="pending", trigger="go", context={})
    assert result.success
    assert len(after.results) == 1, "a failing hook does not stop the hooks after it"
    messages = [r.getMessage() for r in caplog.records]
    assert any("Exploding.on_transition_start" in m for m in messages)
    assert all(r.exc_info is not None for r in caplog.records)


def test_objects_without_hook_methods_are_refused_and_hooks_can_be_removed() -> None:
    observer = TransitionObserver()
    with pytest.raises(TypeError, match="on_before_process"):
        observer.add_hook(object())
    hook = OnlyComplete()
    observer.add_hook(hook)
    assert observer.active and observer.hooks == (hook,)
    observer.remove_hook(hook)
    assert not observer.active
    with pytest.raises(ValueError, match="not attached"):
        observer.remove_hook(hook)
    observer.add_hook(hook)
    observer.clear()
    observer.transition_complete(ok(), 1.0, {})
    assert hook.results == []


def test_an_empty_observer_just_calls_through() -> None:
    observer = TransitionObserver()
    assert not observer.active
    calls: list[int] = []
    result = observer.run(
        lambda: calls.append(1) or ok(), entity_id=None, current_state="a", trigger="b", context={}
    )
    assert result.success and calls == [1]


async def test_async_path_awaits_async_hooks() -> None:
    seen: list[str] = []

    class AsyncHook:
        async def on_transition_complete(
            self, result: TransitionResult, duration_ms: float, ctx: Any
        ) -> None:
            seen.append(result.trigger)

        async def on_transition_error(self, error: BaseException, state: str, trigger: str, ctx: Any) -> None:
            raise RuntimeError("swallowed too")

    observer = TransitionObserver([AsyncHook(), Recorder()])

    async def process() -> TransitionResult:
        return ok(trigger="async_go")

    result = await observer.arun(
        process, entity_id="e", current_state="pending", trigger="async_go", context={}
    )
    assert result.trigger == "async_go" and seen == ["async_go"]

    async def boom() -> TransitionResult:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        await observer.arun(boom, entity_id="e", current_state="pending", trigger="x", context={})


def test_an_async_hook_on_the_sync_path_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    class AsyncOnly:
        async def on_transition_complete(
            self, result: TransitionResult, duration_ms: float, ctx: Any
        ) -> None:
            raise AssertionError("never awaited")

    with caplog.at_level(logging.WARNING, logger="pystator.hooks"):
        TransitionObserver([AsyncOnly()]).transition_complete(ok(), 1.0, {})
    assert any("async" in r.getMessage() for r in caplog.records)


def test_metrics_collector_summary() -> None:
    metrics = MetricsCollector()
    observer = TransitionObserver([metrics])
    for duration in (1.0, 2.0, 3.0, 4.0):
        observer.transition_complete(ok(), duration, {})
    observer.transition_complete(rejected(), 5.0, {})
    observer.transition_error(GuardRejectedError("x"), "open", "fill", {})
    summary = metrics.get_summary()
    assert summary["total_transitions"] == 6
    assert summary["successful_transitions"] == 4
    assert summary["failed_transitions"] == 2
    assert summary["errors"] == 1
    assert summary["success_rate"] == pytest.approx(4 / 6)
    assert summary["duration"] == {"count": 5, "min_ms": 1.0, "avg_ms": 3.0, "p95_ms": 5.0, "max_ms": 5.0}
    assert summary["by_trigger"]["fill"] == {"total": 2, "succeeded": 0, "failed": 2}
    assert summary["transitions"] == {"pending->open": 4}
    assert summary["failure_reasons"] == {"guard_rejected": 1, "GuardRejectedError": 1}
    metrics.reset()
    empty = metrics.get_summary()
    assert empty["total_transitions"] == 0 and empty["success_rate"] == 0.0
    assert empty["duration"]["p95_ms"] == 0.0


def test_metrics_p95_uses_the_recent_window() -> None:
    metrics = MetricsCollector(window=100)
    for value in range(1, 201):
        metrics.on_transition_complete(ok(), float(value), {})
    duration = metrics.get_summary()["duration"]
    assert duration["min_ms"] == 1.0 and duration["max_ms"] == 200.0
    assert duration["p95_ms"] == 195.0
    with pytest.raises(ValueError, match="window"):
        MetricsCollector(window=0)


def test_readme_hooks_example_when_the_observer_is_notified() -> None:
    observer = TransitionObserver()
    observer.add_hook(LoggingHook())
    metrics = MetricsCollector()
    observer.add_hook(metrics)
    observer.run(ok, entity_id=None, current_state="pending", trigger="exchange_ack", context={})
    summary = metrics.get_summary()
    assert summary["total_transitions"] == 1
    assert summary["success_rate"] == 1.0
    assert set(summary["duration"]) >= {"min_ms", "avg_ms", "p95_ms"}


def test_logging_hook_lines(caplog: pytest.LogCaptureFixture) -> None:
    observer = TransitionObserver([LoggingHook()])
    with caplog.at_level(logging.DEBUG, logger="pystator.transitions"):
        observer.run(ok, entity_id="o-1", current_state="pending", trigger="exchange_ack", context={})
        observer.transition_complete(rejected(), 0.5, {})
        observer.transition_error(RuntimeError("db"), "open", "fill", {})
    messages = [r.getMessage() for r in caplog.records]
    assert "event exchange_ack for entity o-1 in state pending" in messages
    assert any(m.startswith("transition pending --exchange_ack--> open") for m in messages)
    assert any("refused: open on fill: guard_rejected" in m for m in messages)
    assert any("RuntimeError: db" in m for m in messages)


def test_structured_logging_hook_writes_one_json_object_per_transition(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    observer = TransitionObserver([StructuredLoggingHook(extra={"machine": "orders"}, clock=lambda: stamp)])
    with caplog.at_level(logging.INFO, logger="pystator.transitions.json"):
        observer.run(ok, entity_id="o-1", current_state="pending", trigger="exchange_ack", context={})
        observer.run(rejected, entity_id="o-2", current_state="open", trigger="fill", context={})
        with pytest.raises(RuntimeError):
            observer.run(_raise, entity_id="o-3", current_state="open", trigger="fill", context={})
        observer.transition_complete(ok(), 1.0, {})
    records = [json.loads(r.getMessage()) for r in caplog.records]
    assert len(records) == 4
    first, second, third, fourth = records
    assert first["event"] == "transition" and first["timestamp"] == stamp.isoformat()
    assert (first["entity_id"], first["source_state"], first["target_state"]) == ("o-1", "pending", "open")
    assert first["success"] is True and first["error"] is None and first["machine"] == "orders"
    assert second["entity_id"] == "o-2" and second["reason"] == "guard_rejected"
    assert second["error"] == {
        "type": "GuardRejectedError",
        "code": "GUARD_REJECTED",
        "message": "guard said no",
    }
    assert third["entity_id"] == "o-3" and third["error"]["type"] == "RuntimeError"
    assert fourth["entity_id"] is None, "an entity id never leaks into the next transition"


def _raise() -> TransitionResult:
    raise RuntimeError("boom")

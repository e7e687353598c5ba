"""The product README's "Error handling" and "Hooks and metrics" sections and the API reference's
hooks and error-code lines, run as close to verbatim as they can be.

One line cannot run verbatim: the README's hooks example calls a bare ``machine.process(...)``
between attaching the hooks and reading the summary. The observer is standalone (it is never
attached to the machine, and ``process()`` is pure and notifies no one), so here that one call goes
through ``observer.run(...)``, which is how an observer is told; see docs/guides/hooks.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pystator import StateMachine, TransitionResult

GUARDED_ORDER: dict[str, Any] = {
    "meta": {"version": "1.0.0", "machine_name": "order_management", "strict_mode": True},
    "states": [
        {"name": "pending", "type": "initial"},
        {"name": "open", "type": "stable"},
        {"name": "filled", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "exchange_ack", "source": "pending", "dest": "open"},
        {"trigger": "fill", "source": "open", "dest": "filled", "guards": ["is_full_fill"]},
    ],
}


@pytest.fixture
def machine() -> StateMachine:
    machine = StateMachine.from_dict(GUARDED_ORDER)
    machine.guard("is_full_fill")(lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    return machine


def _handle(machine: StateMachine, current_state: str, trigger: str, context: dict[str, Any]) -> list[Any]:
    """The README's try/except block; what it printed is returned instead."""
    from pystator import (
        ErrorCode,  # noqa: F401 - imported by the README
        FSMError,  # base — catch everything
        GuardRejectedError,  # guard returned False
        InvalidTransitionError,  # noqa: F401 - imported by the README
        StaleVersionError,  # noqa: F401 - optimistic locking conflict
        TerminalStateError,  # trying to leave a terminal state
        UndefinedTriggerError,  # noqa: F401 - imported by the README
    )

    printed: list[Any] = []
    try:
        result = machine.process(current_state, trigger, context)
        if result.error is not None:  # soft failures come back on the result; re-raise to share the handler
            raise result.error
    except GuardRejectedError as e:
        printed.append((e.guard_name, e.current_state))  # which guard failed and in which state
    except TerminalStateError:
        printed.append("Entity already in a terminal state")
    except FSMError as e:
        printed.append(e.code)  # ErrorCode member, e.g. ErrorCode.INVALID_TRIGGER
    return printed


def test_error_handling(machine: StateMachine) -> None:
    from pystator import ErrorCode

    assert _handle(machine, "open", "fill", {"fill_qty": 1, "order_qty": 5}) == [("is_full_fill", "open")]
    assert _handle(machine, "filled", "fill", {}) == ["Entity already in a terminal state"]
    assert _handle(machine, "pending", "fill", {}) == [ErrorCode.INVALID_TRIGGER]
    assert _handle(machine, "pending", "no_such_trigger", {}) == [ErrorCode.INVALID_TRIGGER]
    assert _handle(machine, "nowhere", "fill", {}) == [ErrorCode.UNDEFINED_STATE]


def test_error_hierarchy() -> None:
    from pystator import (
        FSMError,
        GuardRejectedError,
        InvalidTransitionError,
        StaleVersionError,
        TerminalStateError,
        UndefinedTriggerError,
    )

    for cls in (GuardRejectedError, InvalidTransitionError, TerminalStateError, StaleVersionError):
        assert issubclass(cls, FSMError)
    assert issubclass(UndefinedTriggerError, InvalidTransitionError)


def test_soft_failures_on_the_result(machine: StateMachine) -> None:
    from pystator import FSMError, GuardRejectedError, UndefinedTriggerError

    current_state, trigger, context = "open", "fill", {"fill_qty": 1, "order_qty": 5}
    result = machine.process(current_state, trigger, context)
    if not result.success:
        print(result.error)  # FSMError or subclass
        print(result.metadata)  # {"reason": "guard_rejected", "guard_name": "is_full_fill", …}
    assert isinstance(result.error, GuardRejectedError)
    assert result.metadata["reason"] == "guard_rejected" and result.metadata["guard_name"] == "is_full_fill"
    unknown = machine.process("open", "no_such_trigger", {})
    assert isinstance(unknown.error, UndefinedTriggerError) and isinstance(unknown.error, FSMError)


def test_error_codes() -> None:
    from pystator import ErrorCode

    names = [
        "GUARD_REJECTED",
        "VALIDATION_FAILED",
        "INVALID_TRIGGER",
        "INVALID_STATE",
        "TERMINAL_STATE",
        "TIMEOUT",
        "CONFIG",
        "ACTION_FAILED",
        "STALE_VERSION",
        "GUARD_NOT_FOUND",
        "ACTION_NOT_FOUND",
        "UNDEFINED_STATE",
    ]
    for name in names:
        assert isinstance(getattr(ErrorCode, name), ErrorCode)


def test_stale_version_error_from_a_store() -> None:
    from pystator import ErrorCode, InMemoryStateStore, StaleVersionError

    store = InMemoryStateStore()
    store.set_state_versioned("o-1", "pending", expected_version=0)
    with pytest.raises(StaleVersionError) as caught:
        store.set_state_versioned("o-1", "open", expected_version=7)
    assert caught.value.code is ErrorCode.STALE_VERSION


def test_hooks_and_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order_yaml: Path) -> None:
    monkeypatch.chdir(order_yaml.parent)
    from pystator import LoggingHook, MetricsCollector, StateMachine, TransitionObserver

    machine = StateMachine.from_yaml("order_fsm.yaml")
    # Optional: attach hooks to a standalone observer (use at orchestrator/process level)
    observer = TransitionObserver()
    observer.add_hook(LoggingHook())
    metrics = MetricsCollector()
    observer.add_hook(metrics)
    # ... process events ...
    observer.run(
        lambda: machine.process("pending", "exchange_ack", {}),
        entity_id=None,
        current_state="pending",
        trigger="exchange_ack",
        context={},
    )
    summary = metrics.get_summary()
    assert summary["total_transitions"] == 1
    assert summary["success_rate"] == 1.0
    assert {"min_ms", "avg_ms", "p95_ms"} <= set(summary["duration"])


def test_a_custom_hook_implements_the_protocol(machine: StateMachine) -> None:
    from pystator import InMemoryStateStore, MetricsCollector, Orchestrator, TransitionHook

    class AuditHook:
        def __init__(self) -> None:
            self.events: list[str] = []

        def on_before_process(
            self, entity_id: str | None, current_state: str | None, trigger: str, context: Any
        ) -> None:
            self.events.append("before")

        def on_transition_start(self, current_state: str, trigger: str, context: Any) -> None:
            self.events.append("start")

        def on_transition_complete(self, result: TransitionResult, duration_ms: float, context: Any) -> None:
            self.events.append("complete")

        def on_transition_error(
            self, error: BaseException, current_state: str, trigger: str, context: Any
        ) -> None:
            self.events.append("error")

    hook = AuditHook()
    assert isinstance(hook, TransitionHook)
    metrics = MetricsCollector()
    orchestrator = Orchestrator(machine, InMemoryStateStore(), hooks=[hook, metrics])
    orchestrator.process_event("o-1", "exchange_ack", {})
    orchestrator.process_event("o-1", "fill", {"fill_qty": 0, "order_qty": 1})
    assert hook.events == ["before", "start", "complete"] * 2
    summary = metrics.get_summary()
    assert summary["total_transitions"] == 2 and summary["success_rate"] == 0.5


def test_api_reference_hooks_on_a_session(machine: StateMachine) -> None:
    from pystator import LoggingHook, MetricsCollector, TransitionObserver

    observer = TransitionObserver()
    observer.add_hook(LoggingHook())
    metrics = MetricsCollector()
    observer.add_hook(metrics)
    # Use observer at your process/orchestrator level; then metrics.get_summary()
    session = machine.create(observer=observer)
    session.send("exchange_ack")
    summary = metrics.get_summary()
    assert summary["total_transitions"] == 1 and {"avg_ms", "p95_ms"} <= set(summary["duration"])

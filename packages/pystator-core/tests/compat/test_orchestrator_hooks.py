"""Compat surface, section "Orchestrator and hooks": the positional form, keyword options, the four
hook methods (any subset, sync or async), a raising hook that never changes the outcome, and
``machine.orchestrate(...)``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

import pystator
import pystator.orchestrator
from pystator import (
    ActionRegistry,
    EntityNotFoundError,
    GuardRegistry,
    InMemoryStateStore,
    Orchestrator,
    StateMachine,
    TransitionResult,
)
from pystator.scheduler import AsyncioScheduler

GUARDED: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "orders", "strict_mode": True},
    "states": [
        {"name": "open", "type": "initial"},
        {"name": "filled", "type": "terminal"},
    ],
    "transitions": [
        {
            "trigger": "fill",
            "source": "open",
            "dest": "filled",
            "guards": ["is_full_fill"],
            "actions": ["book"],
        }
    ],
}


def test_importable_from_both_paths() -> None:
    assert pystator.Orchestrator is pystator.orchestrator.Orchestrator
    assert pystator.ContextValidatorFn is pystator.orchestrator.ContextValidatorFn


def _registries(booked: list[Mapping[str, Any]]) -> tuple[GuardRegistry, ActionRegistry]:
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    actions = ActionRegistry()
    actions.register("book", lambda ctx, **params: booked.append(dict(ctx)))
    return guards, actions


def test_positional_form() -> None:
    booked: list[Mapping[str, Any]] = []
    guards, actions = _registries(booked)
    store = InMemoryStateStore()
    orchestrator = Orchestrator(StateMachine.from_dict(GUARDED), store, guards, actions)
    assert orchestrator.process_event("o-1", "fill", {"fill_qty": 1, "order_qty": 5}).success is False
    result = orchestrator.process_event("o-1", "fill", {"fill_qty": 5, "order_qty": 5})
    assert result.success and store.get_state("o-1") == "filled"
    assert booked and booked[0]["fill_qty"] == 5


def test_keyword_options() -> None:
    scheduler = AsyncioScheduler()
    orchestrator = Orchestrator(
        StateMachine.from_dict(GUARDED),
        InMemoryStateStore(),
        hooks=None,
        context_validator=lambda entity_id, state, trigger, ctx: (True, []),
        scheduler=scheduler,
        use_initial_state_when_missing=False,
    )
    assert orchestrator.hooks == () and orchestrator.scheduler is scheduler
    with pytest.raises(EntityNotFoundError):
        orchestrator.process_event("unknown", "fill", {})


class RecordingHook:
    """All four methods, recording what each received."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def on_before_process(self, entity_id: str, current_state: str, trigger: str, context: Any) -> None:
        self.calls.append(("before", (entity_id, current_state, trigger)))

    def on_transition_start(self, current_state: str, trigger: str, context: Any) -> None:
        self.calls.append(("start", (current_state, trigger)))

    def on_transition_complete(self, result: TransitionResult, duration_ms: float, context: Any) -> None:
        self.calls.append(("complete", (result.success, result.target_state, duration_ms >= 0)))

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Any
    ) -> None:
        self.calls.append(("error", (type(error).__name__, current_state, trigger)))


class OnlyComplete:
    """A hook with one method only."""

    def __init__(self) -> None:
        self.results: list[TransitionResult] = []

    def on_transition_complete(self, result: TransitionResult, duration_ms: float, context: Any) -> None:
        self.results.append(result)


class Exploding:
    """Every method raises."""

    def on_before_process(self, *args: Any) -> None:
        raise RuntimeError("before")

    def on_transition_start(self, *args: Any) -> None:
        raise RuntimeError("start")

    def on_transition_complete(self, *args: Any) -> None:
        raise RuntimeError("complete")

    def on_transition_error(self, *args: Any) -> None:
        raise RuntimeError("error")


def _orchestrator(hooks: list[object], booked: list[Mapping[str, Any]]) -> Orchestrator:
    guards, actions = _registries(booked)
    return Orchestrator(StateMachine.from_dict(GUARDED), InMemoryStateStore(), guards, actions, hooks=hooks)


def test_hooks_see_the_event() -> None:
    recording, partial = RecordingHook(), OnlyComplete()
    orchestrator = _orchestrator([recording, partial], [])
    orchestrator.process_event("o-1", "fill", {"fill_qty": 5, "order_qty": 5})
    assert recording.calls == [
        ("before", ("o-1", "open", "fill")),
        ("start", ("open", "fill")),
        ("complete", (True, "filled", True)),
    ]
    assert [r.target_state for r in partial.results] == ["filled"]


def test_a_raising_hook_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    booked: list[Mapping[str, Any]] = []
    recording = RecordingHook()
    orchestrator = _orchestrator([Exploding(), recording], booked)
    with caplog.at_level(logging.ERROR):
        result = orchestrator.process_event("o-1", "fill", {"fill_qty": 5, "order_qty": 5})
    assert result.success and result.target_state == "filled"
    assert orchestrator.state_store.get_state("o-1") == "filled"
    assert len(booked) == 1
    assert [name for name, _ in recording.calls] == ["before", "start", "complete"]
    assert "raised" in caplog.text


async def test_a_raising_hook_changes_nothing_async() -> None:
    booked: list[Mapping[str, Any]] = []
    orchestrator = _orchestrator([Exploding()], booked)
    rejected = await orchestrator.async_process_event("o-1", "fill", {"fill_qty": 1, "order_qty": 5})
    assert not rejected.success and rejected.metadata["reason"] == "guard_rejected"
    result = await orchestrator.async_process_event("o-1", "fill", {"fill_qty": 5, "order_qty": 5})
    assert result.success and len(booked) == 1
    await orchestrator.close()


async def test_async_hooks_are_awaited() -> None:
    seen: list[str] = []

    class AsyncHook:
        async def on_transition_complete(
            self, result: TransitionResult, duration_ms: float, ctx: Any
        ) -> None:
            seen.append(str(result.target_state))

    orchestrator = _orchestrator([AsyncHook()], [])
    await orchestrator.async_process_event("o-1", "fill", {"fill_qty": 5, "order_qty": 5})
    assert seen == ["filled"]
    await orchestrator.close()


def test_error_hook_on_a_raising_guard() -> None:
    machine = StateMachine.from_dict(GUARDED)

    def broken(ctx: Mapping[str, Any]) -> bool:
        raise ValueError("bad data")

    machine.guard("is_full_fill")(broken)
    recording = RecordingHook()
    orchestrator = Orchestrator(machine, InMemoryStateStore(), hooks=[Exploding(), recording])
    with pytest.raises(ValueError, match="bad data"):
        orchestrator.process_event("o-1", "fill", {})
    assert recording.calls[-1] == ("error", ("ValueError", "open", "fill"))
    assert orchestrator.state_store.get_state("o-1") is None


def test_machine_orchestrate_uses_bound_registries() -> None:
    booked: list[Mapping[str, Any]] = []
    machine = StateMachine.from_dict(GUARDED)
    machine.guard("is_full_fill")(lambda ctx: True)
    machine.action("book")(lambda ctx, **params: booked.append(dict(ctx)))
    recording = RecordingHook()
    store = InMemoryStateStore()
    orchestrator = machine.orchestrate(store, hooks=[recording])
    assert isinstance(orchestrator, Orchestrator)
    assert orchestrator.process_event("o-9", "fill", {"n": 1}).success
    assert store.get_state("o-9") == "filled" and [b["n"] for b in booked] == [1]
    assert recording.calls[0] == ("before", ("o-9", "open", "fill"))

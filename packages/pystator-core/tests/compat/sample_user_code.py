"""A user module written against PyStator 0.0.x, using every item of the compatibility surface.

``test_sample_user_code.py`` type-checks it with ``mypy --strict`` and runs it: existing code must
keep both compiling under a strict type checker and working.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pystator import (
    ActionExecutor,
    ActionRegistry,
    ActionResult,
    AsyncioScheduler,
    ContextValidatorFn,
    DestinationCheckResult,
    EntitySession,
    Event,
    ExecutionResult,
    FSMError,
    GuardRegistry,
    InMemoryStateStore,
    Orchestrator,
    ScheduledTask,
    StaleVersionError,
    StateMachine,
    TransitionResult,
)
from pystator.actions import ActionExecutor as SubmoduleActionExecutor
from pystator.event import Event as SubmoduleEvent
from pystator.scheduler import AsyncioScheduler as SubmoduleAsyncioScheduler

__all__ = ["run_everything"]

CONFIG: dict[str, Any] = {
    "meta": {"version": "1.0.0", "machine_name": "sample_orders", "strict_mode": True},
    "states": [
        {"name": "pending", "type": "initial", "on_exit": ["log_exit"]},
        {"name": "open", "on_enter": [{"name": "notify", "params": {"channel": "email"}}]},
        {"name": "filled", "type": "terminal", "when": [{"field": "status", "op": "eq", "value": "filled"}]},
    ],
    "transitions": [
        {"trigger": "exchange_ack", "source": "pending", "dest": "open", "actions": ["record_ack"]},
        {"trigger": "fill", "source": "open", "dest": "filled", "guards": ["is_full_fill"]},
    ],
}


def is_full_fill(ctx: Mapping[str, Any]) -> bool:
    return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))


def build_registries(log: list[str]) -> tuple[GuardRegistry, ActionRegistry]:
    guards = GuardRegistry()
    guards.register("is_full_fill", is_full_fill)
    assert guards.has("is_full_fill") and "is_full_fill" in guards
    assert guards.get("is_full_fill") is is_full_fill
    assert guards.list_guards() == ["is_full_fill"]
    assert guards.evaluate("is_full_fill", {"fill_qty": 1, "order_qty": 1})

    actions = ActionRegistry()

    @actions.decorator()
    def log_exit(ctx: Mapping[str, Any]) -> None:
        log.append("log_exit")

    @actions.decorator("record_ack")
    def record(ctx: Mapping[str, Any]) -> None:
        log.append("record_ack")

    def notify(ctx: Mapping[str, Any], channel: str = "") -> str:
        log.append(f"notify:{channel}")
        return channel

    actions.register("notify", notify)
    outcome: ActionResult = actions.execute("notify", {}, raise_on_error=False)
    assert outcome.success and outcome.action_name == "notify" and outcome.error is None
    assert outcome.result == "" and str(outcome.status) == "success"
    assert actions.list_actions() == ["log_exit", "record_ack", "notify"]
    return guards, actions


def use_event() -> Event:
    event = Event.simple("fill", fill_qty=10)
    tagged = event.with_payload(order_qty=10).with_metadata(source_system="exchange")
    copy = SubmoduleEvent.from_dict(tagged.to_dict())
    assert copy == tagged and copy.event_id == event.event_id
    event_id: UUID = copy.event_id
    assert event_id.version == 4 and copy.timestamp.tzinfo is not None
    assert copy.get("fill_qty") == 10 and copy["order_qty"] == 10 and "fill_qty" in copy
    assert copy.source == "" and copy.metadata == {"source_system": "exchange"}
    return copy


def use_machine(machine: StateMachine, log: list[str]) -> None:
    name: str = machine.name
    version: str = machine.version
    assert (name, version) == ("sample_orders", "1.0.0")
    assert "open" in machine.states and machine.meta["strict_mode"] is True
    assert machine.get_initial_state().name == "pending"
    for transition in machine.get_available_transitions("open"):
        sources: frozenset[str] = transition.source
        assert transition.trigger == "fill" and "open" in sources and transition.dest == "filled"

    result: TransitionResult = machine.process("pending", "exchange_ack")
    assert result.success and result.target_state == "open" and result.error is None
    assert [a.name for a in result.on_exit_actions] == ["log_exit"]
    assert [a.name for a in result.actions_to_execute] == ["record_ack"]
    assert [dict(a.params) for a in result.on_enter_actions] == [{"channel": "email"}]
    assert result.all_actions == ("log_exit", "record_ack", "notify")
    assert len(result.all_action_specs) == 3 and result.state_changed and not result.is_self_transition

    executor = SubmoduleActionExecutor(machine.action_registry, stop_on_error=False, log_execution=True)
    execution: ExecutionResult = executor.execute(result, {})
    assert execution.all_succeeded and execution.failed_actions == []
    assert execution.succeeded_actions == ["log_exit", "record_ack", "notify"]
    assert execution.transition_result is result and len(execution.action_results) == 3
    assert log[-3:] == ["log_exit", "record_ack", "notify:email"]

    rejected = machine.process("open", use_event().with_payload(fill_qty=1))
    assert not rejected.success and rejected.metadata["guards_failed"] == ["is_full_fill"]
    error: FSMError | None = rejected.error
    assert error is not None and isinstance(error.context, dict)

    check: DestinationCheckResult = machine.evaluate_destination(
        "open", "filled", {"fill_qty": 5, "order_qty": 5}
    )
    assert check.allowed and check.candidate_count == 1 and check.passing_count == 1
    for candidate in check.candidates:
        assert candidate.trigger == "fill" and candidate.dest == "filled" and candidate.executable
        assert candidate.reason == "ok" and candidate.transition_result is not None
    denied = machine.evaluate_destination("pending", "nowhere", {})
    assert not denied.allowed and denied.metadata["reason"] == "undefined_destination"


def use_session(machine: StateMachine) -> None:
    session: EntitySession = machine.create(
        entity_id="order-1", context={"order_qty": 2}, execute_actions=True
    )
    session.send("exchange_ack")
    last = session.send(Event("fill", {"fill_qty": 2}))
    assert last.success and session.current_state == "filled" and session.entity_id == "order-1"
    history: list[TransitionResult] = session.history
    assert [r.target_state for r in history] == ["open", "filled"]
    routed = machine.create(initial_state="open")
    results: list[TransitionResult] = routed.apply_data({"status": "filled"})
    assert routed.current_state == "filled" and len(results) == 1
    assert isinstance(routed.context, dict)


def use_store() -> None:
    store = InMemoryStateStore()
    store.set_state("order-1", "pending", metadata={"by": "sample"})
    store.set_context("order-1", {"order_qty": 1})
    state: str | None = store.get_state("order-1")
    context: dict[str, Any] = store.get_context("order-1")
    assert state == "pending" and context == {"order_qty": 1}
    _, current = store.get_state_versioned("order-1")
    new_version: int = store.set_state_versioned("order-1", "open", expected_version=current)
    try:
        store.set_state_versioned("order-1", "filled", expected_version=current)
    except StaleVersionError:
        pass
    else:
        raise AssertionError("a stale version must be refused")
    assert store.get_state_versioned("order-1") == ("open", new_version)


class MinimalStore:
    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    def get_state(self, entity_id: str) -> str | None:
        return self.states.get(entity_id)

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.states[entity_id] = state

    def get_context(self, entity_id: str) -> dict[str, Any]:
        return {}


class AuditHook:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_before_process(
        self, entity_id: str, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.seen.append(f"before:{entity_id}")

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.seen.append(f"complete:{result.target_state}")


def always_valid(entity_id: str, state: str, trigger: str, ctx: dict[str, Any]) -> tuple[bool, list[str]]:
    return True, []


async def use_orchestrator(machine: StateMachine, guards: GuardRegistry, actions: ActionRegistry) -> None:
    hook = AuditHook()
    validator: ContextValidatorFn = always_valid
    orchestrator = Orchestrator(
        machine, MinimalStore(), guards, actions, hooks=[hook], context_validator=validator
    )
    result = orchestrator.process_event("order-2", "exchange_ack", {})
    assert result.success and hook.seen == ["before:order-2", "complete:open"]
    later = await orchestrator.async_process_event("order-2", Event("fill", {"fill_qty": 1, "order_qty": 1}))
    assert later.target_state == "filled"
    await orchestrator.close()
    shortcut: Orchestrator = machine.orchestrate(InMemoryStateStore(), use_initial_state_when_missing=True)
    assert shortcut.process_event("order-3", "exchange_ack", {}).success


async def use_scheduler() -> None:
    scheduler: SubmoduleAsyncioScheduler = AsyncioScheduler()
    fired: list[str] = []

    async def on_fire(task: ScheduledTask) -> None:
        fired.append(task.task_id)

    task_id: str = await scheduler.schedule(1, on_fire, "order-1", "timeout", metadata={"k": "v"})
    task = await scheduler.get_task(task_id)
    assert task is not None and task.entity_id == "order-1" and task.delay_ms == 1
    pending: list[ScheduledTask] = await scheduler.get_pending_tasks(entity_id="order-1")
    assert [t.task_id for t in pending] == [task_id] and scheduler.pending_count == 1
    other = await scheduler.schedule(60_000, on_fire, "order-2", "timeout")
    assert await scheduler.cancel(other) and not await scheduler.cancel(other)
    assert await scheduler.cancel_for_entity("order-2") == 0
    await scheduler.close()
    assert scheduler.pending_count == 0


async def use_async_surface(machine: StateMachine) -> None:
    result = await machine.aprocess("pending", Event("exchange_ack"), None)
    executor = ActionExecutor(machine.action_registry, False, True, False)
    sequential: ExecutionResult = await executor.async_execute(result, {})
    parallel: ExecutionResult = await executor.async_execute_parallel(result, {})
    assert sequential.all_succeeded and parallel.succeeded_actions == sequential.succeeded_actions
    session = machine.create(initial_state="open")
    routed: list[TransitionResult] = await session.aapply_data({"status": "filled"})
    assert [r.target_state for r in routed] == ["filled"]
    store = InMemoryStateStore()
    await store.aset_state("order-5", "open", metadata=None)
    await store.aset_context("order-5", {"a": 1})
    state: str | None = await store.aget_state("order-5")
    context: dict[str, Any] = await store.aget_context("order-5")
    versioned: tuple[str | None, int] = await store.aget_state_versioned("order-5")
    bumped: int = await store.aset_state_versioned("order-5", "filled", expected_version=versioned[1])
    assert (state, context, bumped) == ("open", {"a": 1}, versioned[1] + 1)


class FullHook:
    """All four hook methods, typed as a 0.0.x user writes them."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def on_before_process(
        self, entity_id: str, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.calls.append("before")

    def on_transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        self.calls.append("start")

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.calls.append("complete")

    def on_transition_error(
        self, error: Exception, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.calls.append("error")


def use_full_hook(machine: StateMachine) -> None:
    hook = FullHook()
    orchestrator = Orchestrator(machine, InMemoryStateStore(), None, None, hooks=[hook])
    assert orchestrator.process_event("order-6", "exchange_ack", {}).success
    assert hook.calls == ["before", "start", "complete"]


def run_everything() -> list[str]:
    log: list[str] = []
    guards, actions = build_registries(log)
    machine = StateMachine.from_dict(CONFIG)
    machine.bind_guards(guards)
    machine.bind_actions(actions)
    executor = ActionExecutor(actions, strict=True)
    assert executor.strict
    use_machine(machine, log)
    use_session(machine)
    use_store()
    asyncio.run(use_orchestrator(machine, guards, actions))
    asyncio.run(use_scheduler())
    asyncio.run(use_async_surface(machine))
    use_full_hook(machine)
    return log

"""The Orchestrator's sandwich: load -> validate -> process -> persist -> actions -> record."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from pystator import (
    ActionRegistry,
    ContextValidationError,
    EntityNotFoundError,
    Event,
    GuardRegistry,
    InMemoryStateStore,
    Orchestrator,
    StaleVersionError,
    StateMachine,
    StoreError,
    UndefinedStateError,
)
from pystator.actions import ActionExecutor
from pystator.stores import ActionsStatus

Setup = tuple[StateMachine, InMemoryStateStore, GuardRegistry, ActionRegistry, list[dict[str, Any]]]


@pytest.fixture
def setup(configs: Any) -> Setup:
    machine = StateMachine.from_dict(configs.order)
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))
    calls: list[dict[str, Any]] = []
    actions = ActionRegistry()
    actions.register("notify", lambda ctx: calls.append(dict(ctx)))
    return machine, InMemoryStateStore(), guards, actions, calls


def test_positional_form_persists_and_runs_actions_after_the_commit(setup: Setup) -> None:
    machine, store, guards, actions, calls = setup
    seen_state: list[str | None] = []
    actions.register(
        "notify", lambda ctx: seen_state.append(store.get_state("o-1")) or calls.append(dict(ctx))
    )
    orchestrator = Orchestrator(machine, store, guards, actions)

    result = orchestrator.process_event("o-1", "exchange_ack", {"order_qty": 100})

    assert result.success and result.target_state == "open"
    assert result.metadata["version"] == 1
    assert seen_state == ["open"]  # the action ran after the new state was stored
    assert calls[0]["_idempotency_key"] == "order_management:o-1:1:0"
    entity = store.load_entity("o-1")
    assert entity is not None
    assert (entity.state, entity.version, entity.machine) == ("open", 1, "order_management")
    assert entity.context == {"order_qty": 100}
    record = store.get_transition("o-1", 1)
    assert record is not None
    assert (record.from_state, record.to_state, record.trigger) == ("pending", "open", "exchange_ack")
    assert record.actions_status is ActionsStatus.DONE
    assert [o.name for o in record.action_outcomes] == ["notify"]


def test_guards_see_stored_context_merged_with_the_event_context(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    orchestrator = Orchestrator(machine, store, guards, actions)
    orchestrator.process_event("o-1", "exchange_ack", {"order_qty": 100})

    rejected = orchestrator.process_event("o-1", "fill", {"fill_qty": 10})
    assert not rejected.success
    assert rejected.metadata["reason"] == "guard_rejected"
    assert store.get_state_versioned("o-1") == ("open", 1)  # nothing written

    filled = orchestrator.process_event("o-1", "fill", {"fill_qty": 100})
    assert filled.success and filled.target_state == "filled"
    assert store.get_state_versioned("o-1") == ("filled", 2)


async def test_async_path_with_async_guard_validator_and_action(setup: Setup) -> None:
    machine, store, _, _, _ = setup
    guards = GuardRegistry()

    async def is_full_fill(ctx: Mapping[str, Any]) -> bool:
        return bool(ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    guards.register("is_full_fill", is_full_fill)
    ran: list[str] = []
    actions = ActionRegistry()

    async def notify(ctx: dict[str, Any]) -> None:
        ran.append(ctx["_idempotency_key"])

    actions.register("notify", notify)

    async def validator(
        entity_id: str, state: str, trigger: str, ctx: dict[str, Any]
    ) -> tuple[bool, list[str]]:
        return ("order_qty" in ctx, [] if "order_qty" in ctx else ["order_qty is required"])

    orchestrator = Orchestrator(machine, store, guards, actions, context_validator=validator)
    assert (await orchestrator.async_process_event("o-1", "exchange_ack", {"order_qty": 5})).success
    result = await orchestrator.async_process_event("o-1", "fill", {"fill_qty": 5})
    assert result.success and result.target_state == "filled"
    assert ran == ["order_management:o-1:1:0"]


def test_context_validator_failure_is_a_failed_result_and_writes_nothing(setup: Setup) -> None:
    machine, store, guards, actions, calls = setup

    def validator(entity_id: str, state: str, trigger: str, ctx: dict[str, Any]) -> tuple[bool, list[str]]:
        problems = [f"{key} is required" for key in ("order_id", "order_qty") if key not in ctx]
        return (not problems, problems)

    orchestrator = Orchestrator(
        machine=machine, state_store=store, guards=guards, actions=actions, context_validator=validator
    )
    result = orchestrator.process_event("o-1", "exchange_ack", {"order_qty": 1})

    assert not result.success
    assert result.target_state is None
    assert result.metadata["reason"] == "context_validation"
    assert isinstance(result.error, ContextValidationError)
    assert result.error.context["validation_errors"] == ["order_id is required"]
    assert store.get_state("o-1") is None
    assert calls == []


def test_context_validator_with_a_wrong_return_shape_is_a_clear_error(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    orchestrator = Orchestrator(machine, store, guards, actions, context_validator=lambda *args: True)
    with pytest.raises(TypeError, match=r"context_validator: expected a \(bool, list\[str\]\) tuple"):
        orchestrator.process_event("o-1", "exchange_ack", {})


def test_meta_validate_context_runs_after_the_validator(configs: Any) -> None:
    config = configs.with_meta(configs.order, validate_context=True)
    config["state_variables"] = [{"key": "order_qty", "type": "number", "required": True}]
    machine = StateMachine.from_dict(config)
    orchestrator = Orchestrator(machine, InMemoryStateStore(), actions=ActionRegistry())
    result = orchestrator.process_event("o-1", "exchange_ack", {})
    assert not result.success
    assert result.metadata["reason"] == "context_validation"
    assert result.error is not None and result.error.context["validation_errors"]
    assert orchestrator.process_event("o-1", "exchange_ack", {"order_qty": 3}).success


def test_an_event_object_is_accepted_and_its_payload_is_stored(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    orchestrator = Orchestrator(machine, store, guards, actions)
    event = Event.simple("exchange_ack", order_qty=7)
    result = orchestrator.process_event("o-1", event)
    assert result.success
    assert result.metadata["idempotency_key"] == str(event.event_id)
    assert store.get_context("o-1") == {"order_qty": 7}
    record = store.get_transition("o-1", 1)
    assert record is not None and record.event_id == str(event.event_id)


def test_effects_are_part_of_the_commit(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.counter)
    store = InMemoryStateStore()
    orchestrator = Orchestrator(machine, store)
    for _ in range(3):
        orchestrator.process_event("c", "bump")
    assert store.get_state_versioned("c") == ("on", 3)
    assert store.get_context("c") == {"count": 3}


def test_unknown_entity_without_initial_state_raises_entity_not_found(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    orchestrator = Orchestrator(machine, store, guards, actions, use_initial_state_when_missing=False)
    with pytest.raises(EntityNotFoundError) as info:
        orchestrator.process_event("nobody", "exchange_ack", {})
    assert info.value.context["entity_id"] == "nobody"
    assert store.get_state("nobody") is None


def test_a_stored_state_the_machine_no_longer_has_is_a_clear_error_and_nothing_is_written(
    setup: Setup,
) -> None:
    machine, store, guards, actions, _ = setup
    store.set_state("o-1", "cancelled_legacy")
    orchestrator = Orchestrator(machine, store, guards, actions)
    with pytest.raises(UndefinedStateError, match="cancelled_legacy"):
        orchestrator.process_event("o-1", "exchange_ack", {})
    assert store.get_state_versioned("o-1") == ("cancelled_legacy", 1)


def test_an_entity_of_another_machine_is_refused(configs: Any, setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    Orchestrator(StateMachine.from_dict(configs.counter), store).process_event("shared", "bump")
    store.set_state("shared", "pending")  # even if the state name fits
    with pytest.raises(StoreError, match="belongs to machine 'counter'"):
        Orchestrator(machine, store, guards, actions).process_event("shared", "exchange_ack", {})


def test_invalid_events_with_the_default_fallback_off_hint_and_persist(configs: Any) -> None:
    off = Orchestrator(
        StateMachine.from_dict(configs.with_meta(configs.fallback, orchestrator_default_fallback="off")),
        InMemoryStateStore(),
    )
    result = off.process_event("e", "reset")
    assert not result.success and "fallback" not in result.metadata

    hint_store = InMemoryStateStore()
    hint = Orchestrator(
        StateMachine.from_dict(configs.with_meta(configs.fallback, orchestrator_default_fallback="hint")),
        hint_store,
    )
    result = hint.process_event("e", "reset")
    assert not result.success
    assert result.metadata["fallback"] == "error"
    assert result.metadata["reason"] == "invalid_transition"
    assert hint_store.get_state("e") is None

    store = InMemoryStateStore()
    persist = Orchestrator(StateMachine.from_dict(configs.fallback), store)
    persist.process_event("e", "activate")
    result = persist.process_event("e", "reset")
    assert result.success and result.target_state == "error"
    assert result.metadata["fallback_mode"] == "persist"
    assert store.get_state_versioned("e") == ("error", 2)
    record = store.get_transition("e", 2)
    assert record is not None and record.metadata["fallback"] is True
    assert persist.process_event("e", "reset").target_state == "new"


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_before_process(self, entity_id: str, state: str, trigger: str, ctx: Mapping[str, Any]) -> None:
        self.events.append(("before", entity_id, state, trigger))

    def on_transition_start(self, state: str, trigger: str, ctx: Mapping[str, Any]) -> None:
        self.events.append(("start", state, trigger))

    def on_transition_complete(self, result: Any, duration_ms: float, ctx: Mapping[str, Any]) -> None:
        self.events.append(("complete", result.target_state))

    def on_transition_error(
        self, error: BaseException, state: str, trigger: str, ctx: Mapping[str, Any]
    ) -> None:
        self.events.append(("error", type(error).__name__))


class _Raising:
    def on_before_process(self, *args: Any) -> None:
        raise RuntimeError("hook broke")

    def on_transition_complete(self, *args: Any) -> None:
        raise ValueError("hook broke again")


async def test_hooks_are_called_and_a_raising_hook_changes_nothing(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    machine, store, guards, actions, _ = setup
    recorder = _Recorder()
    orchestrator = Orchestrator(machine, store, guards, actions, hooks=[_Raising(), recorder])
    with caplog.at_level(logging.ERROR, logger="pystator.hooks"):
        sync_result = orchestrator.process_event("o-1", "exchange_ack", {})
        async_result = await orchestrator.async_process_event("o-2", "exchange_ack", {})
    assert sync_result.success and async_result.success
    assert recorder.events == [
        ("before", "o-1", "pending", "exchange_ack"),
        ("start", "pending", "exchange_ack"),
        ("complete", "open"),
        ("before", "o-2", "pending", "exchange_ack"),
        ("start", "pending", "exchange_ack"),
        ("complete", "open"),
    ]
    assert "hook broke" in caplog.text and "hook broke again" in caplog.text


def test_hooks_none_and_transition_error_hook(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    assert Orchestrator(machine, store, guards, actions, hooks=None).hooks == ()
    store.set_state("o-9", "vanished")
    recorder = _Recorder()
    orchestrator = Orchestrator(machine, store, guards, actions, hooks=[recorder])
    with pytest.raises(UndefinedStateError):
        orchestrator.process_event("o-9", "exchange_ack", {})
    assert recorder.events[-1] == ("error", "UndefinedStateError")


class MinimalStore:
    """A user's own store with just the three methods of the StateStore protocol."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.calls: list[str] = []

    def get_state(self, entity_id: str) -> str | None:
        self.calls.append("get_state")
        return self.states.get(entity_id)

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.calls.append("set_state")
        self.states[entity_id] = state

    def get_context(self, entity_id: str) -> dict[str, Any]:
        self.calls.append("get_context")
        return {"order_qty": 100}


def test_a_minimal_user_store_is_called_once_per_method_per_event(setup: Setup) -> None:
    machine, _, guards, actions, calls = setup
    store = MinimalStore()
    orchestrator = Orchestrator(machine, store, guards, actions)
    assert orchestrator.process_event("o-1", "exchange_ack", {}).success
    assert sorted(store.calls) == ["get_context", "get_state", "set_state"]
    store.calls.clear()
    assert orchestrator.process_event("o-1", "fill", {"fill_qty": 100}).target_state == "filled"
    assert sorted(store.calls) == ["get_context", "get_state", "set_state"]
    assert store.states == {"o-1": "filled"}
    assert len(calls) == 1


async def test_a_minimal_user_store_works_on_the_async_path(setup: Setup) -> None:
    machine, _, guards, actions, _ = setup
    store = MinimalStore()
    orchestrator = Orchestrator(machine, store, guards, actions)
    assert (await orchestrator.async_process_event("o-1", "exchange_ack", {})).success
    assert store.states == {"o-1": "open"}


def test_not_a_store_is_refused(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.counter)
    with pytest.raises(TypeError, match="state_store: expected a StateStore"):
        Orchestrator(machine, object())


def test_an_action_executor_can_be_passed_and_failures_are_recorded(setup: Setup) -> None:
    machine, store, guards, _, _ = setup
    actions = ActionRegistry()

    def notify(ctx: dict[str, Any]) -> None:
        raise RuntimeError("smtp down")

    actions.register("notify", notify)
    orchestrator = Orchestrator(machine, store, guards, ActionExecutor(actions, log_execution=False))
    result = orchestrator.process_event("o-1", "exchange_ack", {})
    assert result.success and result.metadata["actions_succeeded"] is False
    record = store.get_transition("o-1", 1)
    assert record is not None and record.actions_status is ActionsStatus.FAILED
    assert record.action_outcomes[0].error == "RuntimeError: smtp down"


def test_machine_orchestrate_uses_the_bound_registries(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.order)
    ran: list[str] = []

    @machine.guard("is_full_fill")
    def is_full_fill(ctx: Mapping[str, Any]) -> bool:
        return True

    @machine.action("notify")
    def notify(ctx: dict[str, Any]) -> None:
        ran.append(ctx["_idempotency_key"])

    store = InMemoryStateStore()
    orchestrator = machine.orchestrate(store, use_initial_state_when_missing=True)
    assert orchestrator.process_event("o-1", "exchange_ack").success
    assert orchestrator.process_event("o-1", "fill").target_state == "filled"
    assert ran == ["order_management:o-1:1:0"]


def test_bad_arguments_are_named(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    orchestrator = Orchestrator(machine, store, guards, actions)
    with pytest.raises(ValueError, match="entity_id"):
        orchestrator.process_event("", "exchange_ack")
    with pytest.raises(TypeError, match="trigger"):
        orchestrator.process_event("o-1", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_attempts"):
        Orchestrator(machine, store, max_attempts=0)
    with pytest.raises(TypeError, match="scheduler: expected a Scheduler"):
        Orchestrator(machine, store, scheduler=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="context_validator: expected a callable"):
        Orchestrator(machine, store, context_validator=3)  # type: ignore[arg-type]


def test_close_is_usable_sync_and_refuses_later_events(setup: Setup) -> None:
    machine, store, guards, actions, _ = setup
    with Orchestrator(machine, store, guards, actions) as orchestrator:
        assert orchestrator.process_event("o-1", "exchange_ack").success
    with pytest.raises(Exception, match="closed"):
        orchestrator.process_event("o-1", "fill")


class VersionedStore:
    """A user's store with optimistic locking on the state but no transactional commit."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, int]] = {}
        self.contexts: dict[str, dict[str, Any]] = {}

    def get_state(self, entity_id: str) -> str | None:
        row = self.rows.get(entity_id)
        return None if row is None else row[0]

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.set_state_versioned(entity_id, state, metadata=metadata)

    def get_context(self, entity_id: str) -> dict[str, Any]:
        return dict(self.contexts.get(entity_id, {}))

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        self.contexts[entity_id] = dict(ctx)

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        return self.rows.get(entity_id, (None, 0))

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        _, version = self.rows.get(entity_id, (None, 0))
        if expected_version is not None and expected_version != version:
            raise StaleVersionError("changed", entity_id=entity_id, expected_version=expected_version)
        self.rows[entity_id] = (state, version + 1)
        return version + 1


def test_a_versioned_user_store_gets_compare_and_set_and_its_context_written(configs: Any) -> None:
    store = VersionedStore()
    orchestrator = Orchestrator(StateMachine.from_dict(configs.counter), store)
    for _ in range(3):
        assert orchestrator.process_event("c", "bump").success
    assert store.rows["c"] == ("on", 3)
    assert store.contexts["c"] == {"count": 3}

    class Interfering(VersionedStore):
        def get_context(self, entity_id: str) -> dict[str, Any]:
            context = super().get_context(entity_id)
            if self.rows.get(entity_id, (None, 0))[1] < 3:
                self.set_state_versioned(entity_id, "on")  # a concurrent writer after our read
            return context

    racing = Interfering()
    racing.rows["c"] = ("on", 1)
    result = Orchestrator(StateMachine.from_dict(configs.counter), racing).process_event("c", "bump")
    assert result.success and result.metadata["version"] == 4  # retried on a fresh read

"""EntitySession.send / asend: state and context updates, soft failures that change nothing,
Events, hierarchy, parallel states, history states, observers and queries."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pystator import (
    EntitySession,
    Event,
    GuardRegistry,
    GuardRejectedError,
    InvalidTransitionError,
    StateMachine,
    TerminalStateError,
    TransitionResult,
    UndefinedStateError,
    UndefinedTriggerError,
)
from pystator.hooks import TransitionObserver

from .conftest import Driver

Load = Callable[[str], StateMachine]


def _guarded(load: Load, *, may_cancel: bool = True) -> StateMachine:
    machine = load("guarded")
    guards = GuardRegistry()
    guards.register("may_cancel", lambda ctx: may_cancel)
    machine.bind_guards(guards)
    return machine


async def test_create_defaults(load: Load) -> None:
    machine = load("order_fsm")
    session = machine.create()
    assert isinstance(session, EntitySession)
    assert uuid.UUID(session.entity_id).version == 4
    assert session.current_state == "pending"
    assert session.context == {}
    assert session.history == []
    assert session.version == 0
    assert session.machine is machine
    assert not session.execute_actions
    other = machine.create(entity_id="order-1", context={"a": 1})
    assert other.entity_id == "order-1"
    assert other.entity_id != session.entity_id


async def test_create_copies_the_callers_context(load: Load) -> None:
    given = {"qty": 1}
    session = load("order_fsm").create(context=given)
    given["qty"] = 2
    assert session.context == {"qty": 1}


async def test_create_rejects_bad_arguments(load: Load) -> None:
    machine = load("order_fsm")
    with pytest.raises(UndefinedStateError, match="nowhere"):
        machine.create(initial_state="nowhere")
    with pytest.raises(TypeError, match="context: expected a mapping"):
        machine.create(context=[("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="entity_id: expected a non-empty string"):
        machine.create(entity_id="")


async def test_send_moves_and_merges_payload(load: Load, driver: Driver) -> None:
    session = _guarded(load).create(context={"order_qty": 100})
    result = await driver.send(session, "exchange_ack")
    assert result.success and result.target_state == "open"
    result = await driver.send(session, "fill", fill_qty=40)
    assert result.target_state == "partially_filled"
    assert session.current_state == "partially_filled"
    assert session.context == {"order_qty": 100, "fill_qty": 40}
    assert session.version == 2
    assert session.history == [session.history[0], result]
    assert [r.target_state for r in session.history] == ["open", "partially_filled"]


async def test_guard_rejection_is_soft_and_changes_nothing(load: Load, driver: Driver) -> None:
    session = _guarded(load, may_cancel=False).create(context={"order_qty": 100})
    await driver.send(session, "exchange_ack")
    before = (session.current_state, dict(session.context), session.version, len(session.history))
    result = await driver.send(session, "cancel", reason="customer")
    assert not result.success
    assert isinstance(result.error, GuardRejectedError)
    assert result.metadata["reason"] == "guard_rejected"
    assert (session.current_state, session.context, session.version, len(session.history)) == before
    assert "reason" not in session.context


async def test_invalid_and_undefined_triggers_are_soft(load: Load, driver: Driver) -> None:
    session = _guarded(load).create()
    invalid = await driver.send(session, "fill", fill_qty=1)
    undefined = await driver.send(session, "explode")
    assert isinstance(invalid.error, InvalidTransitionError)
    assert isinstance(undefined.error, UndefinedTriggerError)
    assert session.current_state == "pending"
    assert session.context == {}
    assert session.version == 0


async def test_terminal_state_refuses_events(load: Load, driver: Driver) -> None:
    session = load("order_fsm").create(initial_state="filled")
    assert session.is_final
    result = await driver.send(session, "fill")
    assert isinstance(result.error, TerminalStateError)
    assert session.history == []


async def test_lenient_no_op_is_not_history(driver: Driver) -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "lenient", "version": "1", "strict_mode": False},
            "states": [{"name": "a", "type": "initial"}, {"name": "b", "type": "stable"}],
            "transitions": [
                {"trigger": "go", "source": "a", "dest": "b"},
                {"trigger": "back", "source": "b", "dest": "a"},
            ],
        }
    )
    session = machine.create()
    result = await driver.send(session, "back", noise=1)
    assert result.success and result.is_no_op
    assert session.history == []
    assert session.context == {}
    assert session.version == 0


async def test_event_objects_are_accepted(load: Load, driver: Driver) -> None:
    machine = _guarded(load)
    seen: list[Any] = []
    machine.guard_registry.register("may_cancel", lambda ctx: seen.append(ctx.get("_event")) or True)
    session = machine.create(context={"order_qty": 10})
    await driver.send(session, Event.simple("exchange_ack", venue="x"))
    assert session.context == {"order_qty": 10, "venue": "x"}
    event = Event.simple("cancel", reason="late")
    result = await driver.send(session, event, by="ops")
    assert result.success
    assert session.context["reason"] == "late" and session.context["by"] == "ops"
    assert seen and seen[0].trigger == "cancel" and seen[0]["by"] == "ops"
    assert "_event" not in session.context


async def test_trigger_must_be_a_name_or_event(load: Load, driver: Driver) -> None:
    session = load("order_fsm").create()
    with pytest.raises(TypeError, match="trigger"):
        await driver.send(session, 42)  # type: ignore[arg-type]


async def test_hierarchy_rests_in_leaves_and_history_is_remembered(load: Load, driver: Driver) -> None:
    machine = load("hierarchy")
    session = machine.create(initial_state="payment")
    assert session.current_state == "card"
    assert session.is_payment and session.is_card and not session.is_wallet
    await driver.send(session, "use_wallet")
    result = await driver.send(session, "pause")
    assert result.history_updates == {"payment": "wallet"}
    assert session.context["_history"] == {"payment": "wallet"}
    await driver.send(session, "resume")
    assert session.current_state == "wallet"


async def test_parallel_states_use_the_stored_form(load: Load, driver: Driver) -> None:
    session = load("parallel").create()
    await driver.send(session, "connect")
    assert session.current_state == "trading[orders=idle,risk=normal]"
    await driver.send(session, "breach")
    assert session.current_state == "trading[orders=idle,risk=breached]"
    assert session.is_trading and session.is_breached and session.is_idle and not session.is_normal
    assert session.active_states == {"trading", "idle", "breached"}
    await driver.send(session, "close")
    assert session.is_final


async def test_initial_state_can_be_a_parallel_state(load: Load) -> None:
    session = load("parallel").create(initial_state="trading")
    assert session.current_state == "trading[orders=idle,risk=normal]"
    restored = load("parallel").create(initial_state="trading[risk=breached,orders=working]")
    assert restored.current_state == "trading[orders=working,risk=breached]"


async def test_queries(load: Load) -> None:
    session = _guarded(load).create(context={"order_qty": 100})
    assert session.allowed_triggers == ["exchange_ack", "cancel"]
    session.send("exchange_ack")
    assert session.allowed_triggers == ["cancel"]  # fill needs fill_qty
    assert not session.can_transition_to("filled")
    check = session.evaluate_destination("filled", context_overrides={"fill_qty": 100})
    assert check.allowed and check.triggers == ["fill"]
    assert session.can_transition_to("partially_filled", {"fill_qty": 1})
    assert "fill_qty" not in session.context
    assert not session.is_final


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def on_before_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.calls.append(("before", (entity_id, current_state, trigger)))

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.calls.append(("complete", (result.trigger, result.success)))


async def test_observer_is_notified_on_each_send(load: Load, driver: Driver) -> None:
    recorder = _Recorder()
    session = _guarded(load, may_cancel=False).create(
        entity_id="o-1", observer=TransitionObserver([recorder])
    )
    assert session.observer is not None
    await driver.send(session, "exchange_ack")
    await driver.send(session, "cancel")
    assert recorder.calls == [
        ("before", ("o-1", "pending", "exchange_ack")),
        ("complete", ("exchange_ack", True)),
        ("before", ("o-1", "open", "cancel")),
        ("complete", ("cancel", False)),
    ]


async def test_an_observer_without_hooks_is_never_called(load: Load, driver: Driver) -> None:
    observer = TransitionObserver()
    session = load("order_fsm").create(observer=observer)
    recorder = _Recorder()
    await driver.send(session, "exchange_ack")
    observer.add_hook(recorder)
    await driver.send(session, "fill")
    assert [kind for kind, _ in recorder.calls] == ["before", "complete"]


async def test_sessions_are_independent(load: Load, driver: Driver) -> None:
    machine = load("order_fsm")
    first, second = machine.create(), machine.create()
    await driver.send(first, "exchange_ack")
    assert (first.current_state, second.current_state) == ("open", "pending")


async def test_repr_names_machine_entity_and_state(load: Load) -> None:
    session = load("order_fsm").create(entity_id="e-1")
    assert (
        repr(session)
        == "EntitySession(machine='order_management', entity_id='e-1', state='pending', version=0)"
    )


async def test_destination_checks_with_async_guards(load: Load) -> None:
    machine = load("guarded")

    async def may_cancel(ctx: Any) -> bool:
        return bool(ctx.get("allowed"))

    machine.guard_registry.register("may_cancel", may_cancel)
    session = machine.create()
    assert not await session.acan_transition_to("cancelled")
    check = await session.aevaluate_destination("cancelled", context_overrides={"allowed": True})
    assert check.allowed and check.triggers == ["cancel"]
    assert (await session.asend("cancel", allowed=True)).target_state == "cancelled"


async def test_a_fired_timer_is_sent_like_any_trigger(driver: Driver) -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "timed", "version": "1", "strict_mode": True},
            "states": [
                {"name": "waiting", "type": "initial"},
                {"name": "working", "type": "stable"},
                {"name": "expired", "type": "terminal"},
            ],
            "transitions": [
                {"after": "30s", "source": "waiting", "dest": "expired"},
                {"trigger": "start", "source": "waiting", "dest": "working"},
            ],
        }
    )
    session = machine.create()
    assert session.initial_result is not None
    (timer,) = session.initial_result.timers_to_start
    stale = machine.create()
    started = await driver.send(stale, "start")
    assert started.timers_to_cancel == ("waiting",)
    late = await driver.send(stale, timer.trigger)
    assert late.is_no_op and stale.current_state == "working" and len(stale.history) == 1
    fired = await driver.send(session, timer.trigger)
    assert fired.target_state == "expired" and session.is_final

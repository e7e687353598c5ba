"""The product README's Orchestrator sections, run verbatim: the Orchestrator with an
``AsyncioScheduler`` firing an ``after: "2s"`` transition (on a fake clock instead of the README's
``asyncio.sleep``), context validation with a PyCharter-style validator (a stand-in ``pycharter``
module), ``meta.validate_context``, and the API reference's Orchestrator lines."""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pystator.testing.clock import FakeClock

MY_FSM_YAML = """\
meta:
  version: "1.0.0"
  machine_name: "reminders"
states:
  - name: idle
    type: initial
  - name: waiting
  - name: reminded
    type: terminal
transitions:
  - trigger: start
    source: idle
    dest: waiting
  - source: waiting
    dest: reminded
    after: "2s"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "my_fsm.yaml").write_text(MY_FSM_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_orchestrator_and_delayed_transitions(project: Path) -> None:
    import asyncio

    from pystator import ActionRegistry, GuardRegistry, InMemoryStateStore, Orchestrator, StateMachine
    from pystator.scheduler import AsyncioScheduler

    clock = FakeClock()
    machine = StateMachine.from_yaml("my_fsm.yaml")  # has a transition with after: "2s"
    store = InMemoryStateStore()
    guards = GuardRegistry()
    actions = ActionRegistry()
    scheduler = AsyncioScheduler(clock=clock)
    orchestrator = Orchestrator(
        machine=machine, state_store=store, guards=guards, actions=actions, scheduler=scheduler
    )
    seen: list[str | None] = []

    async def main() -> None:
        await orchestrator.async_process_event("entity-1", "start", {})
        seen.append(store.get_state("entity-1"))
        await clock.advance(1999)
        seen.append(store.get_state("entity-1"))
        await clock.advance(501)  # delayed transition fires (the README sleeps 2.5 s)
        seen.append(store.get_state("entity-1"))
        await orchestrator.close()

    asyncio.run(main())
    assert seen == ["waiting", "waiting", "reminded"]
    assert scheduler.pending_count == 0


@dataclass
class _Outcome:
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _StandInValidator:
    """Stands for ``pycharter.Validator``: requires ``order_id`` and, once open, ``qty``."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @classmethod
    def from_dir(cls, directory: str) -> _StandInValidator:
        return cls(directory)

    def validate_for_state(self, ctx: Mapping[str, Any], state: str) -> _Outcome:
        required = ["order_id"] + (["qty"] if state == "open" else [])
        return _Outcome([f"{key}: field required" for key in required if key not in ctx])


@pytest.fixture
def pycharter(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("pycharter")
    module.Validator = _StandInValidator  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pycharter", module)


ORDER: dict[str, Any] = {
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


def test_context_validation_with_a_pycharter_style_validator(pycharter: None) -> None:
    from pycharter import Validator  # type: ignore[import-not-found]

    from pystator import ContextValidatorFn, InMemoryStateStore, Orchestrator, StateMachine

    machine = StateMachine.from_dict(ORDER)
    guard_calls: list[Mapping[str, Any]] = []
    machine.guard("is_full_fill")(lambda ctx: guard_calls.append(ctx) or True)
    store = InMemoryStateStore()
    validator = Validator.from_dir("contracts/order")

    def order_context_validator(
        entity_id: str, state: str, trigger: str, ctx: dict[str, Any]
    ) -> tuple[bool, list[str]]:
        result = validator.validate_for_state(ctx, state)
        if result.is_valid:
            return True, []
        return False, [str(e) for e in result.errors]

    typed: ContextValidatorFn = order_context_validator
    orchestrator = Orchestrator(
        machine=machine,
        state_store=store,
        context_validator=typed,  # (entity_id, state, trigger, ctx) -> (ok, errors)
    )
    refused = orchestrator.process_event("o-1", "exchange_ack", {})
    assert not refused.success and refused.metadata["reason"] == "context_validation"
    assert refused.error is not None and refused.error.context["validation_errors"] == [
        "order_id: field required"
    ]
    assert store.get_state("o-1") is None
    assert orchestrator.process_event("o-1", "exchange_ack", {"order_id": "1"}).target_state == "open"
    blocked = orchestrator.process_event("o-1", "fill", {"order_id": "1"})
    assert blocked.metadata["reason"] == "context_validation" and guard_calls == []  # before guards
    assert orchestrator.process_event("o-1", "fill", {"order_id": "1", "qty": 5}).target_state == "filled"
    assert len(guard_calls) == 1


async def test_an_async_context_validator() -> None:
    from pystator import InMemoryStateStore, Orchestrator, StateMachine

    machine = StateMachine.from_dict(ORDER)

    async def validator(
        entity_id: str, state: str, trigger: str, ctx: dict[str, Any]
    ) -> tuple[bool, list[str]]:
        return ("order_id" in ctx), ["order_id: field required"]

    orchestrator = Orchestrator(
        machine=machine, state_store=InMemoryStateStore(), context_validator=validator
    )
    refused = await orchestrator.async_process_event("o-1", "exchange_ack", {})
    assert refused.metadata["reason"] == "context_validation"
    assert (await orchestrator.async_process_event("o-1", "exchange_ack", {"order_id": "x"})).success
    await orchestrator.close()


def test_meta_validate_context_runs_before_guards() -> None:
    from pystator import StateMachine

    config = {
        "meta": {"version": "1", "machine_name": "validated", "validate_context": True},
        "state_variables": [{"key": "order_id", "type": "string", "required": True}],
        "states": [{"name": "pending", "type": "initial"}, {"name": "open"}],
        "transitions": [{"trigger": "submit", "source": "pending", "dest": "open", "guards": ["audited"]}],
    }
    machine = StateMachine.from_dict(config)
    audited: list[Mapping[str, Any]] = []
    machine.guard("audited")(lambda ctx: audited.append(ctx) or True)
    assert machine.meta["validate_context"] is True
    refused = machine.process("pending", "submit", {})
    assert not refused.success and audited == []
    assert refused.error is not None and any(
        "order_id" in p for p in refused.error.context["validation_errors"]
    )
    assert machine.process("pending", "submit", {"order_id": "1"}).success and len(audited) == 1


async def test_api_reference_orchestrator(project: Path) -> None:
    from pystator import (
        ActionRegistry,
        ContextValidatorFn,
        GuardRegistry,
        InMemoryStateStore,
        Orchestrator,
        StateMachine,
    )
    from pystator.scheduler import AsyncioScheduler

    machine = StateMachine.from_yaml("my_fsm.yaml")
    store, guards, actions = InMemoryStateStore(), GuardRegistry(), ActionRegistry()
    clock = FakeClock()
    scheduler = AsyncioScheduler(clock=clock)

    def fn(entity_id: str, state: str, trigger: str, ctx: dict[str, Any]) -> tuple[bool, list[str]]:
        return True, []

    validator: ContextValidatorFn = fn
    orchestrator = Orchestrator(
        machine=machine,
        state_store=store,
        guards=guards,
        actions=actions,
        context_validator=validator,  # ContextValidatorFn: (entity_id, state, trigger, ctx) -> (ok, errors)
        scheduler=scheduler,
        use_initial_state_when_missing=True,
    )
    entity_id, trigger, context = "entity-7", "start", {"n": 1}
    result = await orchestrator.async_process_event(entity_id, trigger, context)
    assert result.success and store.get_state(entity_id) == "waiting" and scheduler.pending_count == 1
    await orchestrator.close()  # shut down scheduler
    assert scheduler.pending_count == 0


def test_api_reference_orchestrator_sync_process_event(project: Path) -> None:
    from pystator import InMemoryStateStore, Orchestrator, StateMachine

    machine = StateMachine.from_yaml("my_fsm.yaml")
    store = InMemoryStateStore()
    orchestrator = Orchestrator(machine=machine, state_store=store, use_initial_state_when_missing=True)
    result = orchestrator.process_event("entity-8", "start", {})
    assert result.success and store.get_state("entity-8") == "waiting"


async def test_api_reference_sync_process_event_with_a_scheduler_inside_the_loop(project: Path) -> None:
    from pystator import InMemoryStateStore, Orchestrator, StateMachine
    from pystator.scheduler import AsyncioScheduler

    clock = FakeClock()
    scheduler = AsyncioScheduler(clock=clock)
    store = InMemoryStateStore()
    machine = StateMachine.from_yaml("my_fsm.yaml")
    orchestrator = Orchestrator(machine=machine, state_store=store, scheduler=scheduler)
    result = orchestrator.process_event("entity-9", "start", {})
    assert result.success and store.get_state("entity-9") == "waiting"
    for _ in range(100):  # the timer is armed by a task the sync call started on this loop
        if scheduler.pending_count:
            break
        await asyncio.sleep(0)
    assert scheduler.pending_count == 1
    await clock.advance(2000)
    assert store.get_state("entity-9") == "reminded"
    await orchestrator.close()


def test_sync_process_event_refuses_timers_it_could_not_arm(project: Path) -> None:
    from pystator import FSMError, InMemoryStateStore, Orchestrator, StateMachine
    from pystator.scheduler import AsyncioScheduler

    store = InMemoryStateStore()
    machine = StateMachine.from_yaml("my_fsm.yaml")
    orchestrator = Orchestrator(machine=machine, state_store=store, scheduler=AsyncioScheduler())
    with pytest.raises(FSMError, match="running event loop"):
        orchestrator.process_event("entity-10", "start", {})
    assert store.get_state("entity-10") is None


def test_the_three_validation_mechanisms_combine() -> None:
    from pystator import InMemoryStateStore, Orchestrator, StateMachine

    machine = StateMachine.from_dict(
        {
            "meta": {"version": "1", "machine_name": "combined", "validate_context": True},
            "state_variables": [{"key": "order_id", "type": "string", "required": True}],
            "states": [{"name": "pending", "type": "initial"}, {"name": "open"}],
            "transitions": [
                {"trigger": "submit", "source": "pending", "dest": "open", "guards": ["approved"]}
            ],
        }
    )
    machine.guard("approved")(lambda ctx: bool(ctx.get("approved")))

    def contract(entity_id: str, state: str, trigger: str, ctx: dict[str, Any]) -> tuple[bool, list[str]]:
        return ("customer" in ctx), ["customer: field required"]

    orchestrator = Orchestrator(machine=machine, state_store=InMemoryStateStore(), context_validator=contract)
    by_validator = orchestrator.process_event("o-1", "submit", {"order_id": "1"})
    assert by_validator.metadata["reason"] == "context_validation"
    by_meta = orchestrator.process_event("o-1", "submit", {"customer": "c"})
    assert not by_meta.success and by_meta.error is not None
    assert any("order_id" in p for p in by_meta.error.context["validation_errors"])
    by_guard = orchestrator.process_event("o-1", "submit", {"customer": "c", "order_id": "1"})
    assert by_guard.metadata["reason"] == "guard_rejected"
    passed = orchestrator.process_event("o-1", "submit", {"customer": "c", "order_id": "1", "approved": True})
    assert passed.success and passed.target_state == "open"

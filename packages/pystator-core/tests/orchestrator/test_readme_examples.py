"""The product README's Orchestrator examples, as written (the clock injected instead of sleeping)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pystator import (
    ActionRegistry,
    ContextValidatorFn,
    GuardRegistry,
    InMemoryStateStore,
    Orchestrator,
    StateMachine,
)
from pystator.scheduler import AsyncioScheduler
from pystator.testing.clock import FakeClock

MY_FSM = """\
meta:
  version: "1.0.0"
  machine_name: "my_fsm"
states:
  - name: idle
    type: initial
  - name: started
  - name: timed_out
    type: terminal
transitions:
  - trigger: start
    source: idle
    dest: started
  - after: "2s"
    source: started
    dest: timed_out
"""


async def test_orchestrator_and_delayed_transitions(tmp_path: Path) -> None:
    (tmp_path / "my_fsm.yaml").write_text(MY_FSM)
    clock = FakeClock()

    machine = StateMachine.from_yaml(tmp_path / "my_fsm.yaml")  # has a transition with after: "2s"
    store = InMemoryStateStore()
    guards = GuardRegistry()
    actions = ActionRegistry()
    scheduler = AsyncioScheduler(clock=clock)
    orchestrator = Orchestrator(
        machine=machine, state_store=store, guards=guards, actions=actions, scheduler=scheduler
    )

    await orchestrator.async_process_event("entity-1", "start", {})
    assert store.get_state("entity-1") == "started"
    await clock.advance(2500)  # the README sleeps 2.5 s: the delayed transition fires
    assert store.get_state("entity-1") == "timed_out"
    await orchestrator.close()
    assert scheduler.pending_count == 0


class Validator:
    """Stands in for ``pycharter.Validator``: required keys per state."""

    class Result:
        def __init__(self, errors: list[str]) -> None:
            self.errors = errors
            self.is_valid = not errors

    def validate_for_state(self, ctx: dict[str, Any], state: str) -> Validator.Result:
        required = {"pending": ["order_id", "order_qty"], "open": ["order_id"]}.get(state, [])
        return Validator.Result([f"{key}: field required" for key in required if key not in ctx])


def test_context_validation_example(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.order)
    machine.action("notify")(lambda ctx: None)
    store = InMemoryStateStore()
    validator = Validator()

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
    result = orchestrator.process_event("order-1", "exchange_ack", {"order_id": "1"})
    assert result.success is False
    assert result.metadata["reason"] == "context_validation"
    assert result.error is not None
    assert result.error.context["validation_errors"] == ["order_qty: field required"]
    assert store.get_state("order-1") is None

    ok = orchestrator.process_event("order-1", "exchange_ack", {"order_id": "1", "order_qty": 10})
    assert ok.success and ok.target_state == "open"

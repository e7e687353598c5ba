"""The product README's EntitySession example, verbatim, with its printed output checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

MACHINES = Path(__file__).parent / "machines"


def test_readme_entity_session_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(MACHINES / "order_fsm.yaml", tmp_path / "order_fsm.yaml")
    monkeypatch.chdir(tmp_path)

    # --- README (EntitySession — per-entity stateful wrapper), verbatim
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")

    # Create a stateful instance for one entity (e.g. order-123)
    order = machine.create(context={"order_id": "123", "order_qty": 100})
    print(order.current_state)  # pending
    print(order.is_pending)  # True — auto-generated per-state property

    # Send events; payload merges into context
    order.send("exchange_ack")
    print(order.current_state)  # open
    order.send("fill", fill_qty=100)
    print(order.current_state)  # filled
    print(order.is_final)  # True — entity has reached a terminal state

    # Auto-generated trigger methods (same as send):
    # order.exchange_ack()
    # order.fill(fill_qty=100)

    # Serialize/restore (e.g. to Redis or a DB)
    from pystator import EntitySession

    snapshot = order.snapshot()
    restored = EntitySession.from_snapshot(machine, snapshot)
    # --- end of README

    assert capsys.readouterr().out.splitlines() == ["pending", "True", "open", "filled", "True"]
    assert order.context == {"order_id": "123", "order_qty": 100, "fill_qty": 100}
    assert restored.current_state == "filled"
    assert restored.context == order.context
    assert restored.entity_id == order.entity_id


def test_readme_auto_generated_trigger_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(MACHINES / "order_fsm.yaml", tmp_path / "order_fsm.yaml")
    monkeypatch.chdir(tmp_path)
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    order = machine.create(context={"order_id": "123", "order_qty": 100})
    order.exchange_ack()
    order.fill(fill_qty=100)
    assert order.current_state == "filled"
    assert order.is_final
    assert [r.trigger for r in order.history] == ["exchange_ack", "fill"]


def test_readme_api_reference_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The condensed API reference: create, members, allowed_triggers, destination checks."""
    shutil.copy(MACHINES / "order_fsm.yaml", tmp_path / "order_fsm.yaml")
    monkeypatch.chdir(tmp_path)
    from pystator import EntitySession, StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    instance = machine.create(context={"order_qty": 100}, initial_state=None)
    assert isinstance(instance.current_state, str)
    assert isinstance(instance.context, dict)
    assert instance.allowed_triggers == ["exchange_ack"]
    instance.send("exchange_ack")
    check = instance.evaluate_destination("filled", context_overrides={"fill_qty": 100})
    assert check.allowed
    assert instance.can_transition_to("filled")
    snapshot = instance.snapshot()
    instance2 = EntitySession.from_snapshot(machine, snapshot)
    assert instance2.current_state == "open"

"""The product README's EntitySession section, run verbatim: per-state properties, generated trigger
methods, payload merged into context, snapshot / ``from_snapshot``; and the API reference lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from pystator import EntitySession


@pytest.fixture(autouse=True)
def in_project(order_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(order_yaml.parent)


def test_entity_session_section(capsys: pytest.CaptureFixture[str]) -> None:
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
    # Serialize/restore (e.g. to Redis or a DB)
    snapshot = order.snapshot()
    restored = EntitySession.from_snapshot(machine, snapshot)
    assert capsys.readouterr().out.split() == ["pending", "True", "open", "filled", "True"]
    assert order.context == {"order_id": "123", "order_qty": 100, "fill_qty": 100}
    assert restored.current_state == "filled" and restored.context == order.context
    assert restored.entity_id == order.entity_id


def test_generated_trigger_methods() -> None:
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    order = machine.create(context={"order_id": "123", "order_qty": 100})
    # Auto-generated trigger methods (same as send):
    order.exchange_ack()
    order.fill(fill_qty=100)
    assert order.current_state == "filled" and order.context["fill_qty"] == 100
    assert order.is_filled and not order.is_open


def test_unknown_generated_member_is_an_attribute_error() -> None:
    from pystator import StateMachine

    order = StateMachine.from_yaml("order_fsm.yaml").create()
    with pytest.raises(AttributeError):
        order.is_shipped  # noqa: B018
    with pytest.raises(AttributeError):
        order.ship()


async def test_api_reference_entity_session() -> None:
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    instance = machine.create(context={"order_qty": 1}, initial_state=None)
    assert isinstance(instance.current_state, str) and isinstance(instance.context, dict)
    assert instance.is_pending is True
    assert instance.allowed_triggers == ["exchange_ack"]
    result = await instance.asend("exchange_ack")
    assert result.success and instance.current_state == "open"
    assert instance.allowed_triggers == ["fill"] and instance.is_final is False
    check = instance.evaluate_destination("filled", context_overrides={"fill_qty": 1})
    assert check.allowed and instance.can_transition_to("filled")
    assert not instance.can_transition_to("pending")
    snapshot = instance.snapshot()
    instance2 = EntitySession.from_snapshot(machine, snapshot)
    assert (instance2.current_state, instance2.context) == ("open", {"order_qty": 1})

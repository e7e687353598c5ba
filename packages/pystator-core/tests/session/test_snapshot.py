"""EntitySession.snapshot / from_snapshot: a versioned JSON round trip and clear refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pystator import EntitySession, FSMError, SnapshotError, StateMachine
from pystator.session import SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION

from .conftest import Driver

Load = Callable[[str], StateMachine]


def _through_json(snapshot: dict[str, Any]) -> dict[str, Any]:
    restored: dict[str, Any] = json.loads(json.dumps(snapshot))
    return restored


async def test_round_trip_through_json(load: Load, driver: Driver) -> None:
    machine = load("order_fsm")
    order = machine.create(entity_id="order-123", context={"order_id": "123", "nested": {"qty": [1, 2.5]}})
    await driver.send(order, "exchange_ack", flag=True, nothing=None)
    snapshot = order.snapshot()
    assert snapshot == {
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "machine": {"name": "order_management", "version": "1.0.0"},
        "entity_id": "order-123",
        "state": "open",
        "version": 1,
        "context": {"order_id": "123", "nested": {"qty": [1, 2.5]}, "flag": True, "nothing": None},
        "history": {},
    }
    restored = EntitySession.from_snapshot(machine, _through_json(snapshot))
    assert (restored.entity_id, restored.current_state, restored.version) == ("order-123", "open", 1)
    assert restored.context == order.context
    assert restored.history == []
    assert restored.initial_result is None
    assert restored.is_open and hasattr(restored, "fill")
    await driver.send(restored, "fill")
    assert restored.is_final and restored.version == 2
    assert order.current_state == "open"


async def test_snapshot_shares_nothing_with_the_session(load: Load) -> None:
    order = load("order_fsm").create(context={"items": [1], "meta": {"a": 1}})
    snapshot = order.snapshot()
    snapshot["context"]["items"].append(2)
    snapshot["context"]["meta"]["a"] = 2
    assert order.context == {"items": [1], "meta": {"a": 1}}


async def test_history_records_survive_the_round_trip(load: Load, driver: Driver) -> None:
    machine = load("hierarchy")
    session = machine.create(initial_state="payment")
    await driver.send(session, "use_wallet")
    await driver.send(session, "pause")
    snapshot = _through_json(session.snapshot())
    assert snapshot["history"] == {"payment": "wallet"}
    assert "_history" not in snapshot["context"]
    restored = EntitySession.from_snapshot(machine, snapshot)
    await driver.send(restored, "resume")
    assert restored.current_state == "wallet"


async def test_parallel_state_round_trip(load: Load, driver: Driver) -> None:
    machine = load("parallel")
    session = machine.create()
    await driver.send(session, "connect")
    await driver.send(session, "place")
    restored = EntitySession.from_snapshot(machine, _through_json(session.snapshot()))
    assert restored.current_state == "trading[orders=working,risk=normal]"
    assert restored.is_working and restored.is_trading


async def test_restored_session_is_generated_for_its_machine(load: Load) -> None:
    machine = load("order_fsm")
    restored = machine.create().snapshot()
    session = EntitySession.from_snapshot(machine, restored)
    assert type(session) is type(machine.create())
    assert isinstance(session, EntitySession)


def _snapshot(load: Load) -> dict[str, Any]:
    return load("order_fsm").create(entity_id="e-1").snapshot()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["machine"].update(name="other_machine"), "snapshot.machine.name: .*'other_machine'"),
        (lambda s: s["machine"].update(version="9.9.9"), "snapshot.machine.version: .*'9.9.9'"),
        (lambda s: s.update(machine="order_management"), "snapshot.machine: expected"),
        (lambda s: s.update(format_version=2), "snapshot.format_version: .*reads format 1, got 2"),
        (lambda s: s.pop("format_version"), "snapshot.format_version: .*got None"),
        (lambda s: s.update(format="something_else"), "snapshot.format: expected 'pystator.entity_session'"),
        (lambda s: s.update(state="shipped"), "snapshot.state: 'shipped' is not a state"),
        (lambda s: s.update(state=3), "snapshot.state: expected str, got int"),
        (lambda s: s.pop("entity_id"), "snapshot.entity_id: missing"),
        (lambda s: s.update(version=-1), "snapshot.version: expected a non-negative integer"),
        (lambda s: s.update(context=[]), "snapshot.context: expected Mapping, got list"),
        (lambda s: s["context"].update(_history={}), "snapshot.context: the reserved key '_history'"),
    ],
)
def test_from_snapshot_refuses_what_it_cannot_restore(
    load: Load, change: Callable[[dict[str, Any]], Any], message: str
) -> None:
    snapshot = _snapshot(load)
    change(snapshot)
    with pytest.raises(SnapshotError, match=message) as caught:
        EntitySession.from_snapshot(load("order_fsm"), snapshot)
    assert isinstance(caught.value, FSMError) and isinstance(caught.value, ValueError)


def test_from_snapshot_refuses_a_non_resting_state(load: Load) -> None:
    machine = load("hierarchy")
    snapshot = machine.create().snapshot()
    snapshot["state"] = "payment"
    with pytest.raises(SnapshotError, match=r"'payment' is not a resting configuration .* 'card'"):
        EntitySession.from_snapshot(machine, snapshot)


def test_from_snapshot_refuses_a_non_mapping(load: Load) -> None:
    with pytest.raises(SnapshotError, match="snapshot: expected a mapping, got str"):
        EntitySession.from_snapshot(load("order_fsm"), "pending")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"when": datetime(2026, 1, 1, tzinfo=UTC)},
            r"snapshot.context.when: datetime is not JSON-serialisable",
        ),
        ({"deep": {"items": [1, {2, 3}]}}, r"snapshot.context.deep.items\[1\]: set is not JSON-serialisable"),
        ({"ratio": float("nan")}, r"snapshot.context.ratio: nan is not representable in JSON"),
        ({"by_id": {1: "a"}}, r"snapshot.context.by_id: key 1 is not a string"),
    ],
)
def test_snapshot_refuses_context_json_cannot_hold(load: Load, context: dict[str, Any], message: str) -> None:
    session = load("order_fsm").create(context=context)
    with pytest.raises(SnapshotError, match=message):
        session.snapshot()

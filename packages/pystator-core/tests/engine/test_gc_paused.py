"""Loading pauses the cyclic garbage collector and hands a large machine's objects to the oldest
generation: the collector's state is restored, an application's frozen objects stay frozen, and
machines loaded and dropped over and over are still collected."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from pystator import StateMachine
from pystator.engine.loading import PROMOTE_AT, gc_paused


def chain(size: int) -> dict[str, Any]:
    states: list[dict[str, Any]] = [{"name": "s0", "type": "initial"}]
    states += [{"name": f"s{i}"} for i in range(1, size)]
    transitions = [{"trigger": "next", "source": f"s{i}", "dest": f"s{i + 1}"} for i in range(size - 1)]
    return {"states": states, "transitions": transitions}


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_the_collector_state_is_restored() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_large_machine_lands_in_the_oldest_generation() -> None:
    machine = StateMachine.from_dict(chain(1000))
    assert gc.get_count()[0] < PROMOTE_AT  # no young backlog for the next allocation to collect
    node = machine._compiled.states["s500"]
    assert any(obj is node for obj in gc.get_objects(generation=2))


def test_a_small_machine_is_left_to_the_collector() -> None:
    gc.collect()
    machine = StateMachine.from_dict(chain(3))
    node = machine._compiled.states["s1"]
    assert not any(obj is node for obj in gc.get_objects(generation=2))


def test_frozen_objects_of_the_application_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        StateMachine.from_dict(chain(1000))
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_machines_loaded_and_dropped_repeatedly_are_collected() -> None:
    gc.collect()
    before = len(gc.get_objects())
    data = chain(1000)
    for _ in range(40):  # each leaves ~15,000 objects in reference cycles when dropped
        StateMachine.from_dict(data)
    grown = len(gc.get_objects()) - before
    assert grown < 400_000, grown  # without the account of promotions: ~750,000

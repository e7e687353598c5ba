"""Compat surface, section "Stores": the sync, async and versioned protocol method names on the
bundled store, stale versions refused, and a user's minimal custom store with the Orchestrator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

import pystator
import pystator.stores
from pystator import (
    AsyncStateStore,
    AsyncVersionedStateStore,
    InMemoryStateStore,
    Orchestrator,
    StaleVersionError,
    StateMachine,
    StateStore,
    VersionedStateStore,
)


def test_importable_from_both_paths() -> None:
    assert pystator.StateStore is pystator.stores.StateStore
    assert pystator.InMemoryStateStore is pystator.stores.InMemoryStateStore
    assert pystator.VersionedStateStore is pystator.stores.VersionedStateStore


def test_sync_methods() -> None:
    store = InMemoryStateStore()
    assert isinstance(store, StateStore)
    assert store.get_state("e-1") is None and store.get_context("e-1") == {}
    store.set_state("e-1", "pending", metadata={"by": "test"})
    store.set_context("e-1", {"qty": 1})
    assert store.get_state("e-1") == "pending" and store.get_context("e-1") == {"qty": 1}


async def test_async_twins() -> None:
    store = InMemoryStateStore()
    assert isinstance(store, AsyncStateStore) and isinstance(store, AsyncVersionedStateStore)
    await store.aset_state("e-1", "open")
    await store.aset_context("e-1", {"qty": 2})
    assert await store.aget_state("e-1") == "open"
    assert await store.aget_context("e-1") == {"qty": 2}
    state, version = await store.aget_state_versioned("e-1")
    assert state == "open"
    assert await store.aset_state_versioned("e-1", "filled", expected_version=version) == version + 1


def test_versioned_and_stale_version() -> None:
    store = InMemoryStateStore()
    assert isinstance(store, VersionedStateStore)
    assert store.get_state_versioned("e-1") == (None, 0)
    first = store.set_state_versioned("e-1", "pending", expected_version=0)
    assert store.get_state_versioned("e-1") == ("pending", first)
    second = store.set_state_versioned("e-1", "open", expected_version=first, metadata={"t": "ack"})
    assert second == first + 1
    with pytest.raises(StaleVersionError):
        store.set_state_versioned("e-1", "filled", expected_version=first)
    assert store.get_state_versioned("e-1") == ("open", second)
    assert store.set_state_versioned("e-1", "filled") == second + 1


class MinimalStore:
    """The smallest store a user writes: three methods, nothing else."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.calls: Counter[str] = Counter()

    def get_state(self, entity_id: str) -> str | None:
        self.calls["get_state"] += 1
        return self.states.get(entity_id)

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.calls["set_state"] += 1
        self.states[entity_id] = state

    def get_context(self, entity_id: str) -> dict[str, Any]:
        self.calls["get_context"] += 1
        return {"order_qty": 10}


def _machine(order_yaml: Any) -> StateMachine:
    return StateMachine.from_yaml(order_yaml)


def test_minimal_custom_store_with_the_orchestrator(order_yaml: Any) -> None:
    store = MinimalStore()
    assert isinstance(store, StateStore)
    orchestrator = Orchestrator(_machine(order_yaml), store)
    result = orchestrator.process_event("o-1", "exchange_ack", {})
    assert result.success and store.states == {"o-1": "open"}
    assert store.calls == Counter(get_state=1, set_state=1, get_context=1)
    store.calls.clear()
    assert orchestrator.process_event("o-1", "fill", {}).target_state == "filled"
    assert store.calls == Counter(get_state=1, set_state=1, get_context=1)


async def test_minimal_custom_store_async(order_yaml: Any) -> None:
    store = MinimalStore()
    orchestrator = Orchestrator(_machine(order_yaml), store)
    result = await orchestrator.async_process_event("o-2", "exchange_ack", {})
    assert result.success and store.states["o-2"] == "open"
    assert store.calls == Counter(get_state=1, set_state=1, get_context=1)
    await orchestrator.close()


def test_orchestrator_with_a_versioned_store_persists(order_yaml: Any) -> None:
    store = InMemoryStateStore()
    orchestrator = Orchestrator(_machine(order_yaml), store)
    assert orchestrator.process_event("o-3", "exchange_ack", {}).success
    state, version = store.get_state_versioned("o-3")
    assert state == "open" and version >= 1

"""``entity_cache``: one round trip per event when this process holds the latest record, and no
decision taken on a stale one."""

from __future__ import annotations

from typing import Any

import pytest

from pystator import GuardRegistry, InMemoryStateStore, Orchestrator, StateMachine
from pystator.stores import EntityCache, EntityRecord


class CountingStore(InMemoryStateStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        self.loads += 1
        return super().load_entity(entity_id)


def order(configs: Any, store: Any, cache: EntityCache | None) -> Orchestrator:
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: True)
    machine = StateMachine.from_dict(configs.order)
    machine.action("notify")(lambda ctx: None)
    return Orchestrator(machine, store, guards, entity_cache=cache)


def test_events_after_the_first_skip_the_load(configs: Any) -> None:
    store = CountingStore()
    orchestrator = order(configs, store, EntityCache())
    orchestrator.process_event("o", "exchange_ack")
    for _ in range(5):
        orchestrator.process_event("o", "touch")
    assert store.loads == 1
    assert store.get_state_versioned("o") == ("open", 6)
    assert store.get_context("o") == {"touches": 5}


async def test_a_stale_record_costs_a_conflict_and_a_reload(configs: Any) -> None:
    store = CountingStore()
    cached = order(configs, store, EntityCache())
    other = order(configs, store, None)  # another process writing the same entity
    await cached.async_process_event("o", "exchange_ack")
    await other.async_process_event("o", "touch")
    result = await cached.async_process_event("o", "touch")
    assert result.success and result.metadata["version"] == 3
    assert store.get_context("o") == {"touches": 2}  # no lost update


async def test_no_refusal_is_decided_on_a_cached_record(configs: Any) -> None:
    store = CountingStore()
    cached = order(configs, store, EntityCache())
    await cached.async_process_event("o", "exchange_ack")  # cache: pending -> open, v1
    store.set_state("o", "pending")  # changed elsewhere: "exchange_ack" is valid again
    result = await cached.async_process_event("o", "exchange_ack")
    assert result.success and result.metadata["version"] == 3


def test_the_cache_needs_a_transactional_store(configs: Any) -> None:
    class Plain:
        def get_state(self, entity_id: str) -> str | None:
            return None

        def set_state(self, entity_id: str, state: str, *, metadata: Any = None) -> None:
            pass

        def get_context(self, entity_id: str) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError, match="entity_cache"):
        order(configs, Plain(), EntityCache())

"""The same idempotency key twice applies the event once and returns the first outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pystator import ActionRegistry, Event, GuardRegistry, InMemoryStateStore, Orchestrator, StateMachine


def build(configs: Any, store: Any) -> tuple[Orchestrator, list[str]]:
    machine = StateMachine.from_dict(configs.order)
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: True)
    ran: list[str] = []
    actions = ActionRegistry()
    actions.register("notify", lambda ctx: ran.append(ctx["_idempotency_key"]))
    return Orchestrator(machine, store, guards, actions), ran


def test_an_event_sent_twice_applies_once(configs: Any) -> None:
    store = InMemoryStateStore()
    orchestrator, ran = build(configs, store)
    event = Event.simple("exchange_ack")
    first = orchestrator.process_event("o-1", event)
    again = orchestrator.process_event("o-1", event)
    assert first.success and again.success
    assert again.metadata["duplicate"] is True
    assert (again.source_state, again.target_state, again.metadata["version"]) == ("pending", "open", 1)
    assert store.get_state_versioned("o-1") == ("open", 1)
    assert ran == ["order_management:o-1:1:0"]


def test_an_explicit_key_repeated_after_the_entity_moved_on_returns_the_first_outcome(configs: Any) -> None:
    store = InMemoryStateStore()
    orchestrator, ran = build(configs, store)
    orchestrator.process_event("o-1", "exchange_ack", idempotency_key="k-1")
    orchestrator.process_event("o-1", "touch", idempotency_key="k-2")
    # "exchange_ack" is invalid from "open" now; the key says it was already applied
    repeated = orchestrator.process_event("o-1", "exchange_ack", idempotency_key="k-1")
    assert repeated.success and repeated.metadata["duplicate"] is True
    assert repeated.target_state == "open" and repeated.metadata["version"] == 1
    # a key that would apply again from the current state is caught by the store
    touched = orchestrator.process_event("o-1", "touch", idempotency_key="k-2")
    assert touched.metadata["duplicate"] is True
    assert store.get_state_versioned("o-1") == ("open", 2)
    assert store.get_context("o-1") == {"touches": 1}
    assert ran == ["order_management:o-1:1:0", "order_management:o-1:2:0"]


async def test_async_repeated_key(configs: Any) -> None:
    store = InMemoryStateStore()
    orchestrator, ran = build(configs, store)
    for _ in range(3):
        await orchestrator.async_process_event(
            "o-1", "touch" if store.get_state("o-1") else "exchange_ack", idempotency_key="same"
        )
    assert store.get_state_versioned("o-1") == ("open", 1)
    assert len(ran) == 1


def test_keys_are_per_entity(configs: Any) -> None:
    store = InMemoryStateStore()
    orchestrator, _ = build(configs, store)
    assert not orchestrator.process_event("a", "exchange_ack", idempotency_key="k").metadata.get("duplicate")
    assert not orchestrator.process_event("b", "exchange_ack", idempotency_key="k").metadata.get("duplicate")
    assert store.get_states(["a", "b"]) == {"a": "open", "b": "open"}


class PlainStore:
    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.writes = 0

    def get_state(self, entity_id: str) -> str | None:
        return self.states.get(entity_id)

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.writes += 1
        self.states[entity_id] = state

    def get_context(self, entity_id: str) -> dict[str, Any]:
        return {}


def test_a_plain_store_gets_in_process_idempotency(configs: Any) -> None:
    store = PlainStore()
    orchestrator, ran = build(configs, store)
    event = Event.simple("exchange_ack")
    orchestrator.process_event("o-1", event)
    repeated = orchestrator.process_event("o-1", event)
    assert repeated.metadata["duplicate"] is True
    assert store.writes == 1 and len(ran) == 1

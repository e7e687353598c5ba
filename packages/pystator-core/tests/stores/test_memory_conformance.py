"""``InMemoryStateStore`` passes the store conformance suite (threads stand in for processes)."""

from __future__ import annotations

import pytest

from pystator.stores import InMemoryStateStore
from pystator.testing.store_conformance import StoreConformance


class TestInMemoryStateStore(StoreConformance):
    @pytest.fixture
    def store(self) -> InMemoryStateStore:
        return InMemoryStateStore()

    def corrupt_entity(self, store: InMemoryStateStore, entity_id: str) -> None:
        store._entities[entity_id].context = '{"x": 1'

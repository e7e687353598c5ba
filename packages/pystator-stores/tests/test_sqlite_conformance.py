"""``SQLiteStateStore`` passes the durable store conformance suite: writers in separate processes."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pystator.testing.store_conformance import DurableStoreConformance, StoreOpener
from pystator_stores.sqlite import SQLiteStateStore


class TestSQLiteStateStore(DurableStoreConformance):
    @pytest.fixture
    def db_path(self, tmp_path: Path) -> Path:
        return tmp_path / "store.db"

    @pytest.fixture
    async def store(self, db_path: Path) -> AsyncIterator[SQLiteStateStore]:
        store = SQLiteStateStore(db_path)
        yield store
        await store.aclose()

    @pytest.fixture
    def store_opener(self, db_path: Path) -> StoreOpener:
        return functools.partial(SQLiteStateStore, str(db_path))

    def corrupt_entity(self, store: SQLiteStateStore, entity_id: str) -> None:
        with sqlite3.connect(store.path) as conn:
            conn.execute(
                "UPDATE pystator_entities SET context = '{\"x\": 1' WHERE entity_id = ?", (entity_id,)
            )

"""``PostgresStateStore`` passes the durable store conformance suite against the real server."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import asyncpg
import pytest

from pystator.testing.store_conformance import DurableStoreConformance, StoreOpener
from pystator_stores.postgres import PostgresStateStore

pytestmark = pytest.mark.postgres


def run_elsewhere(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a fresh loop in another thread (the test's own loop may be running)."""
    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(asyncio.run(factory())))
    thread.start()
    thread.join()
    return box[0]


class TestPostgresStateStore(DurableStoreConformance):
    @pytest.fixture
    async def store(self, postgres_dsn: str) -> AsyncIterator[PostgresStateStore]:
        store = PostgresStateStore(postgres_dsn, max_size=4)
        yield store
        await store.aclose()

    @pytest.fixture
    def store_opener(self, postgres_dsn: str) -> StoreOpener:
        return functools.partial(PostgresStateStore, postgres_dsn, max_size=2)

    def corrupt_entity(self, store: PostgresStateStore, entity_id: str) -> None:
        async def corrupt() -> None:
            conn = await asyncpg.connect(store.dsn)
            try:
                await conn.execute(
                    "UPDATE pystator_entities SET context = '[1, 2]'::jsonb WHERE entity_id = $1", entity_id
                )
            finally:
                await conn.close()

        run_elsewhere(corrupt)

"""The Orchestrator's promises hold on SQLite, PostgreSQL and Redis (real servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pystator.testing.orchestrator_conformance import OrchestratorStoreConformance
from pystator_stores.postgres import PostgresStateStore
from pystator_stores.redis import RedisStateStore
from pystator_stores.sqlite import SQLiteStateStore


class TestOrchestratorOnSQLite(OrchestratorStoreConformance):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SQLiteStateStore]:
        store = SQLiteStateStore(tmp_path / "orchestrator.db")
        yield store
        await store.aclose()


@pytest.mark.postgres
class TestOrchestratorOnPostgres(OrchestratorStoreConformance):
    @pytest.fixture
    async def store(self, postgres_dsn: str) -> AsyncIterator[PostgresStateStore]:
        store = PostgresStateStore(postgres_dsn, max_size=8)
        yield store
        await store.aclose()


@pytest.mark.redis
class TestOrchestratorOnRedis(OrchestratorStoreConformance):
    @pytest.fixture
    async def store(self, redis_url: str, redis_prefix: str) -> AsyncIterator[RedisStateStore]:
        store = RedisStateStore(redis_url, prefix=redis_prefix)
        yield store
        await store.aclose()

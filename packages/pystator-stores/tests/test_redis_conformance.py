"""``RedisStateStore`` passes the durable store conformance suite against the real server."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator

import pytest
import redis

from pystator.testing.store_conformance import DurableStoreConformance, StoreOpener
from pystator_stores.redis import RedisStateStore

pytestmark = pytest.mark.redis


class TestRedisStateStore(DurableStoreConformance):
    @pytest.fixture
    async def store(self, redis_url: str, redis_prefix: str) -> AsyncIterator[RedisStateStore]:
        store = RedisStateStore(redis_url, prefix=redis_prefix)
        yield store
        await store.aclose()

    @pytest.fixture
    def store_opener(self, redis_url: str, redis_prefix: str) -> StoreOpener:
        return functools.partial(RedisStateStore, redis_url, prefix=redis_prefix)

    def corrupt_entity(self, store: RedisStateStore, entity_id: str) -> None:
        client = redis.Redis.from_url(store.url)
        try:
            client.hset(f"{store.prefix}e:{entity_id}", "context", '{"x": 1')
        finally:
            client.close()

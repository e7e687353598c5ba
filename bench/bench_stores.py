"""State-store throughput: events/s per backend, next to the raw cost of one round trip to the server.

An event here is what the Orchestrator does with a store per event: load the entity, then commit the
transition (compare-and-set, history row, idempotency key) in one atomic write. Two loads are
measured: a fresh ``load_entity`` each time (two round trips per event), and the record returned by
the previous commit, as ``EntityCache`` allows (one round trip; a conflict would reload and retry).

For PostgreSQL and Redis the raw round trip (``SELECT 1`` / ``PING`` on the same pool or client) is
measured in the same run, in series and with 32 concurrent tasks; the target is an event cost within
2x of it. Servers that are not reachable are reported as skipped.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _figures import Figure

from pystator.errors import StaleVersionError
from pystator.stores import EntityCache, EntityRecord, InMemoryStateStore, TransitionCommit

SERIES_SECONDS = 1.5
CONCURRENT_TASKS = 32
ENTITIES = 1_000
POOL_SIZE = 16
PG_HOST = os.environ.get("PYSTATOR_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = os.environ.get("PYSTATOR_TEST_PG_ADMIN_DSN", f"postgresql://postgres@{PG_HOST}:5432/test")
REDIS_URL = os.environ.get("PYSTATOR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _next(record: EntityRecord) -> TransitionCommit:
    count = int(record.context.get("n", 0))
    return TransitionCommit(
        entity_id=record.entity_id,
        machine="bench",
        expected_version=record.version,
        from_state=record.state,
        to_state="b" if record.state == "a" else "a",
        trigger="flip",
        context={"n": count + 1, "order_id": record.entity_id},
        context_changes={"n": {"before": count, "after": count + 1}},
    )


def _create(entity_id: str) -> TransitionCommit:
    return TransitionCommit(entity_id, "bench", None, None, "a", "create", context={"n": 0})


# --------------------------------------------------------------------------- timed loops


def _sync_series(store: Any, *, cached: bool) -> float:
    """Events per second on one entity, sync API, for about SERIES_SECONDS."""
    entity_id = f"series-{uuid.uuid4().hex[:8]}"
    record = store.commit_transition(_create(entity_id)).entity
    events = 0
    started = time.perf_counter()
    deadline = started + SERIES_SECONDS
    while True:
        for _ in range(200):
            if not cached:
                record = store.load_entity(entity_id)
            record = store.commit_transition(_next(record)).entity
        events += 200
        if time.perf_counter() >= deadline:
            return events / (time.perf_counter() - started)


async def _async_series(store: Any, *, cached: bool) -> float:
    entity_id = f"series-{uuid.uuid4().hex[:8]}"
    record = (await store.acommit_transition(_create(entity_id))).entity
    events = 0
    started = time.perf_counter()
    deadline = started + SERIES_SECONDS
    while True:
        for _ in range(100):
            if not cached:
                record = await store.aload_entity(entity_id)
            record = (await store.acommit_transition(_next(record))).entity
        events += 100
        if time.perf_counter() >= deadline:
            return events / (time.perf_counter() - started)


async def _async_fleet(store: Any, *, cached: bool, events: int) -> float:
    """Events per second over ENTITIES entities with CONCURRENT_TASKS tasks, async API."""
    prefix = f"fleet-{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}-{i:04d}" for i in range(ENTITIES)]
    cache = EntityCache(ENTITIES)
    for start in range(0, ENTITIES, 100):
        results = await asyncio.gather(
            *(store.acommit_transition(_create(eid)) for eid in ids[start : start + 100])
        )
        for result in results:
            cache.put(result.entity)
    per_task = events // CONCURRENT_TASKS

    async def worker(task: int) -> None:
        for step in range(per_task):
            entity_id = ids[(task + step * CONCURRENT_TASKS) % ENTITIES]
            while True:
                record = cache.get(entity_id) if cached else None
                if record is None:
                    record = await store.aload_entity(entity_id)
                try:
                    cache.put((await store.acommit_transition(_next(record))).entity)
                    break
                except StaleVersionError:
                    cache.discard(entity_id)

    started = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in range(CONCURRENT_TASKS)))
    return per_task * CONCURRENT_TASKS / (time.perf_counter() - started)


async def _raw_round_trips(call: Callable[[], Awaitable[Any]], *, events: int) -> tuple[float, float]:
    """(µs per call in series, calls per second with CONCURRENT_TASKS tasks)."""
    for _ in range(200):
        await call()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(2_000):
            await call()
        best = min(best, (time.perf_counter() - started) / 2_000)
    per_task = events // CONCURRENT_TASKS

    async def worker() -> None:
        for _ in range(per_task):
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT_TASKS)))
    return best * 1e6, per_task * CONCURRENT_TASKS / (time.perf_counter() - started)


# --------------------------------------------------------------------------- per backend


def _memory() -> list[Figure]:
    store = InMemoryStateStore()
    series = _sync_series(store, cached=False)
    fleet = asyncio.run(_async_fleet(store, cached=False, events=100_000))
    return [
        Figure("in-memory: one entity in series, load+commit", series, "events/s", ">= 100,000"),
        Figure("in-memory: 1,000 entities, 32 tasks, load+commit", fleet, "events/s"),
    ]


def _sqlite() -> list[Figure]:
    from pystator_stores.sqlite import SQLiteStateStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStateStore(Path(folder) / "bench.db")
        try:
            series = _sync_series(store, cached=False)
            fleet = asyncio.run(_async_fleet(store, cached=False, events=6_000))
        finally:
            store.close()
    return [
        Figure("SQLite (WAL, synchronous=FULL): one entity in series", series, "events/s"),
        Figure("SQLite: 1,000 entities, 32 tasks, load+commit", fleet, "events/s"),
    ]


def _server_figures(
    label: str, raw_name: str, raw: tuple[float, float], series: dict[str, float], fleet: dict[str, float]
) -> list[Figure]:
    raw_us, raw_per_s = raw
    figures = [
        Figure(f"{label}: raw {raw_name} round trip, in series", raw_us, "µs"),
        Figure(f"{label}: raw {raw_name}, 32 concurrent tasks", raw_per_s, "calls/s"),
    ]
    for name, rate in series.items():
        cost = 1e6 / rate
        figures.append(Figure(f"{label}: one entity in series, {name}", rate, "events/s"))
        figures.append(
            Figure(f"{label}:   event cost / raw round trip ({name})", cost / raw_us, "x", "<= 2.0")
        )
    for name, rate in fleet.items():
        figures.append(Figure(f"{label}: 1,000 entities, 32 tasks, {name}", rate, "events/s"))
        figures.append(
            Figure(f"{label}:   event cost / raw round trip ({name})", raw_per_s / rate, "x", "<= 2.0")
        )
    return figures


def _postgres() -> list[Figure]:
    if not _reachable(PG_HOST, 5432):
        return [Figure("PostgreSQL: skipped (server not reachable)", 0.0, "")]
    import asyncpg

    from pystator_stores.postgres import PostgresStateStore

    name = f"pystator_bench_{os.getpid()}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    dsn = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:

        async def measure() -> tuple[tuple[float, float], dict[str, float], dict[str, float]]:
            store = PostgresStateStore(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
            try:
                pool = await store._pool()
                raw = await _raw_round_trips(lambda: pool.fetchval("SELECT 1"), events=20_000)
                series = {
                    "load+commit (async)": await _async_series(store, cached=False),
                    "commit on cached record": await _async_series(store, cached=True),
                }
                fleet = {
                    "load+commit": await _async_fleet(store, cached=False, events=10_000),
                    "commit on cached record": await _async_fleet(store, cached=True, events=10_000),
                }
                series["load+commit (sync API)"] = await asyncio.to_thread(_sync_series, store, cached=False)
                return raw, series, fleet
            finally:
                await store.aclose()

        raw, series, fleet = asyncio.run(measure())
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return _server_figures("PostgreSQL", "SELECT 1", raw, series, fleet)


def _redis() -> list[Figure]:
    if not _reachable("127.0.0.1", 6379):
        return [Figure("Redis: skipped (server not reachable)", 0.0, "")]
    import redis

    from pystator_stores.redis import RedisStateStore

    prefix = f"pystator-bench:{uuid.uuid4().hex[:8]}:"

    async def measure() -> tuple[tuple[float, float], dict[str, float], dict[str, float]]:
        store = RedisStateStore(REDIS_URL, prefix=prefix)
        try:
            client, _ = await store._async_clients.get()
            raw = await _raw_round_trips(client.ping, events=40_000)
            series = {
                "load+commit (async)": await _async_series(store, cached=False),
                "commit on cached record": await _async_series(store, cached=True),
            }
            fleet = {
                "load+commit": await _async_fleet(store, cached=False, events=20_000),
                "commit on cached record": await _async_fleet(store, cached=True, events=20_000),
            }
            series["load+commit (sync API)"] = await asyncio.to_thread(_sync_series, store, cached=False)
            return raw, series, fleet
        finally:
            await store.aclose()

    try:
        raw, series, fleet = asyncio.run(measure())
    finally:
        cleanup = redis.Redis.from_url(REDIS_URL)
        keys = list(cleanup.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            cleanup.delete(*keys[start : start + 1000])
        cleanup.close()
    return _server_figures("Redis", "PING", raw, series, fleet)


def run() -> list[Figure]:
    return [*_memory(), *_sqlite(), *_postgres(), *_redis()]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())

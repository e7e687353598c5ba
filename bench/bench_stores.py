"""State-store throughput per backend, next to the raw cost of one round trip to the same server.

An event is what the Orchestrator does with a store for each event: read the entity, then commit the
transition (version compare-and-set, state and context, history row) in one atomic write. Two reads
are measured: a fresh ``load_entity`` (two round trips per event) and the record returned by the
previous commit, as ``EntityCache`` allows (one round trip; a conflict reloads and retries).

Raw round trips (``SELECT 1``, ``PING``) run on the same pool or client, in the same rounds: every
round times a batch of each, one after the other, and a ratio is computed per round, so that the
load of a shared machine hits both sides alike; figures are medians over the rounds. PostgreSQL is
also measured against the raw cost of one single-row ``UPDATE``, the least write round trip, with
the same durability as the store's commits (waiting for the WAL flush, or with the store's
``synchronous_commit="off"`` option not: a server crash may lose the last acknowledged commits),
through the pool and on one connection held throughout (the store keeps one checked out for
operations that run alone, so the series ratios are against the held one); the series target is
judged against that write. The "32 tasks" figures go through the stores' coalescing of concurrent
operations (one statement or pipeline for the loads or commits of one loop iteration);
the raw figures are one call per round trip. Unreachable servers are reported as skipped.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _figures import Figure

from pystator.errors import StaleVersionError
from pystator.stores import EntityCache, EntityRecord, InMemoryStateStore, TransitionCommit

ROUNDS = 7
SERIES_BATCH = 300
TASKS = 32
ENTITIES = 1_000
FLEET_BATCH = 3_200  # events per round over the 1,000 entities, shared by the 32 tasks
POOL_SIZE = 16
PG_HOST = os.environ.get("PYSTATOR_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = os.environ.get("PYSTATOR_TEST_PG_ADMIN_DSN", f"postgresql://postgres@{PG_HOST}:5432/test")
REDIS_URL = os.environ.get("PYSTATOR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

Batch = Callable[[], Awaitable[float]]  # runs one batch, returns seconds per operation


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


# --------------------------------------------------------------------------- batches


async def _series(store: Any, *, cached: bool) -> Batch:
    """A batch of SERIES_BATCH events on one entity through the async API."""
    entity_id = f"series-{uuid.uuid4().hex[:8]}"
    box = {"record": (await store.acommit_transition(_create(entity_id))).entity}

    async def batch() -> float:
        record = box["record"]
        started = time.perf_counter()
        for _ in range(SERIES_BATCH):
            if not cached:
                record = await store.aload_entity(entity_id)
            record = (await store.acommit_transition(_next(record))).entity
        box["record"] = record
        return (time.perf_counter() - started) / SERIES_BATCH

    return batch


async def _fleet(store: Any, *, cached: bool) -> Batch:
    """A batch of FLEET_BATCH events over ENTITIES entities, TASKS concurrent tasks, async API."""
    prefix = f"fleet-{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}-{i:04d}" for i in range(ENTITIES)]
    cache = EntityCache(ENTITIES)
    for start in range(0, ENTITIES, 100):
        created = await asyncio.gather(
            *(store.acommit_transition(_create(i)) for i in ids[start : start + 100])
        )
        for result in created:
            cache.put(result.entity)
    per_task = FLEET_BATCH // TASKS
    offset = {"value": 0}

    async def worker(task: int, base: int) -> None:
        for step in range(per_task):
            entity_id = ids[(base + task + step * TASKS) % ENTITIES]
            while True:
                record = cache.get(entity_id) if cached else None
                if record is None:
                    record = await store.aload_entity(entity_id)
                try:
                    cache.put((await store.acommit_transition(_next(record))).entity)
                    break
                except StaleVersionError:
                    cache.discard(entity_id)

    async def batch() -> float:
        base, offset["value"] = offset["value"], offset["value"] + FLEET_BATCH
        started = time.perf_counter()
        await asyncio.gather(*(worker(task, base) for task in range(TASKS)))
        return (time.perf_counter() - started) / (per_task * TASKS)

    return batch


def _raw_series(call: Callable[[], Awaitable[Any]]) -> Batch:
    async def batch() -> float:
        started = time.perf_counter()
        for _ in range(SERIES_BATCH):
            await call()
        return (time.perf_counter() - started) / SERIES_BATCH

    return batch


def _raw_fleet(call: Callable[[], Awaitable[Any]]) -> Batch:
    per_task = FLEET_BATCH // TASKS

    async def worker() -> None:
        for _ in range(per_task):
            await call()

    async def batch() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(TASKS)))
        return (time.perf_counter() - started) / (per_task * TASKS)

    return batch


async def _interleaved(batches: dict[str, Batch]) -> dict[str, list[float]]:
    """Seconds per operation of each batch, ROUNDS times, the batches alternating within a round."""
    for batch in batches.values():  # warm up connections, statement caches, scripts
        await batch()
    samples: dict[str, list[float]] = {name: [] for name in batches}
    for _ in range(ROUNDS):
        for name, batch in batches.items():
            samples[name].append(await batch())
    return samples


def _ratio(samples: dict[str, list[float]], event: str, raw: str) -> float:
    return statistics.median(e / r for e, r in zip(samples[event], samples[raw]))


def _rate(samples: dict[str, list[float]], name: str) -> float:
    return 1.0 / statistics.median(samples[name])


def _sync_series_rate(store: Any) -> float:
    """Best events/s over a few windows on one entity through the sync API (load + commit)."""
    entity_id = f"sync-{uuid.uuid4().hex[:8]}"
    record = store.commit_transition(_create(entity_id)).entity
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(SERIES_BATCH):
            record = store.load_entity(entity_id)
            record = store.commit_transition(_next(record)).entity
        best = max(best, SERIES_BATCH / (time.perf_counter() - started))
    return best


# --------------------------------------------------------------------------- backends


def _memory_series(store: InMemoryStateStore, *, cached: bool) -> float:
    entity_id = f"series-{uuid.uuid4().hex[:8]}"
    record = store.commit_transition(_create(entity_id)).entity
    best = 0.0
    for _ in range(10):
        started = time.perf_counter()
        for _ in range(20_000):
            if not cached:
                record = store.load_entity(entity_id)
            record = store.commit_transition(_next(record)).entity
        best = max(best, 20_000 / (time.perf_counter() - started))
    return best


def _memory() -> list[Figure]:
    store = InMemoryStateStore()
    series = _memory_series(store, cached=False)
    cached = _memory_series(store, cached=True)

    async def fleet() -> float:
        batch = await _fleet(store, cached=False)
        return 1.0 / min([await batch() for _ in range(ROUNDS)])

    return [
        Figure("in-memory: one entity in series, load+commit (sync)", series, "events/s", ">= 100,000"),
        Figure("in-memory: one entity in series, commit on cached record", cached, "events/s"),
        Figure("in-memory: 1,000 entities, 32 tasks, load+commit", asyncio.run(fleet()), "events/s"),
    ]


def _sqlite() -> list[Figure]:
    from pystator_stores.sqlite import SQLiteStateStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStateStore(Path(folder) / "bench.db")
        try:
            series = _sync_series_rate(store)

            async def fleet() -> float:
                batch = await _fleet(store, cached=False)
                return 1.0 / statistics.median([await batch() for _ in range(3)])

            concurrent = asyncio.run(fleet())
        finally:
            store.close()
    return [
        Figure("SQLite (WAL, synchronous=FULL): one entity in series (sync)", series, "events/s"),
        Figure("SQLite: 1,000 entities, 32 tasks, load+commit", concurrent, "events/s"),
    ]


async def _server_samples(store: Any, raw: Callable[[], Awaitable[Any]]) -> dict[str, list[float]]:
    series = await _interleaved(
        {
            "raw": _raw_series(raw),
            "load+commit": await _series(store, cached=False),
            "cached": await _series(store, cached=True),
        }
    )
    fleet = await _interleaved(
        {
            "raw": _raw_fleet(raw),
            "load+commit": await _fleet(store, cached=False),
            "cached": await _fleet(store, cached=True),
        }
    )
    return {**{f"series {k}": v for k, v in series.items()}, **{f"fleet {k}": v for k, v in fleet.items()}}


def _server_figures(
    label: str, raw_name: str, samples: dict[str, list[float]], *, series_target: bool = True
) -> list[Figure]:
    """Rates and ratios to the raw round trip; ``series_target=False`` where the series target is
    judged against a raw write instead (PostgreSQL: see ``_write_figures``)."""
    figures = [
        Figure(f"{label}: raw {raw_name}, in series", statistics.median(samples["series raw"]) * 1e6, "µs"),
        Figure(f"{label}: raw {raw_name}, 32 tasks", _rate(samples, "fleet raw"), "calls/s"),
    ]
    for scope, where in (("series", "one entity in series"), ("fleet", "1,000 entities, 32 tasks")):
        for kind, what in (("load+commit", "load+commit"), ("cached", "commit on cached record")):
            name = f"{scope} {kind}"
            targeted = kind == "cached" and (scope == "fleet" or series_target)
            figures.append(Figure(f"{label}: {where}, {what}", _rate(samples, name), "events/s"))
            figures.append(
                Figure(
                    f"{label}:   event / raw {raw_name} ({scope}, {what})",
                    _ratio(samples, name, f"{scope} raw"),
                    "x",
                    "<= 2.0" if targeted else "",
                )
            )
    return figures


_RAW_WRITE = "UPDATE bench_raw_write SET n = n + 1 WHERE id = 1"


def _write_figures(label: str, durability: str, samples: dict[str, list[float]]) -> list[Figure]:
    """The raw one-row write next to ``SELECT 1``, and the series events against it.

    A commit is a write: the server makes it as durable as the connection's ``synchronous_commit``
    asks (with "on", it waits for the WAL flush, which ``SELECT 1`` never does), so the series
    target is judged against the raw single-row ``UPDATE`` on the same kind of connection, one
    round trip doing the least write there is. Raw figures through the pool (a checkout per call)
    and on one connection held throughout (no checkout: what the store does for a lone caller);
    the events' ratios are against the held one.
    """
    return [
        Figure(
            f"{label}: raw SELECT 1, in series, one held connection", _us(samples, "write held raw"), "µs"
        ),
        Figure(f"{label}: raw {durability} 1-row UPDATE, in series", _us(samples, "write write"), "µs"),
        Figure(
            f"{label}: raw {durability} 1-row UPDATE, in series, one held connection",
            _us(samples, "write held write"),
            "µs",
        ),
        Figure(
            f"{label}:   event / raw UPDATE held (series, load+commit)",
            _ratio(samples, "write load+commit", "write held write"),
            "x",
        ),
        Figure(
            f"{label}:   event / raw UPDATE held (series, commit on cached record)",
            _ratio(samples, "write cached", "write held write"),
            "x",
            "<= 2.0",
        ),
    ]


def _us(samples: dict[str, list[float]], name: str) -> float:
    return statistics.median(samples[name]) * 1e6


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

    async def measure(dsn: str, synchronous_commit: str | None) -> dict[str, list[float]]:
        store = PostgresStateStore(
            dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, synchronous_commit=synchronous_commit
        )
        try:
            pool = await store._pool()
            await pool.execute("CREATE TABLE IF NOT EXISTS bench_raw_write (id int PRIMARY KEY, n bigint)")
            await pool.execute("INSERT INTO bench_raw_write VALUES (1, 0) ON CONFLICT DO NOTHING")
            samples = await _server_samples(store, lambda: pool.fetchval("SELECT 1"))
            held = await pool.acquire()  # the store keeps one connection checked out for series use too
            try:
                write = await _interleaved(
                    {
                        "raw": _raw_series(lambda: pool.fetchval("SELECT 1")),
                        "held raw": _raw_series(lambda: held.fetchval("SELECT 1")),
                        "write": _raw_series(lambda: pool.execute(_RAW_WRITE)),
                        "held write": _raw_series(lambda: held.execute(_RAW_WRITE)),
                        "load+commit": await _series(store, cached=False),
                        "cached": await _series(store, cached=True),
                    }
                )
            finally:
                await pool.release(held)
            samples.update({f"write {k}": v for k, v in write.items()})
            return samples
        finally:
            await store.aclose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    dsn = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        durable = asyncio.run(measure(dsn, None))
        relaxed = asyncio.run(measure(dsn, "off"))
        sync_store = PostgresStateStore(dsn, max_size=2)
        try:
            sync_rate = _sync_series_rate(sync_store)
        finally:
            sync_store.close()
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    figures = _server_figures("PostgreSQL (durable)", "SELECT 1", durable, series_target=False)
    figures[1:1] = _write_figures("PostgreSQL (durable)", "durable", durable)
    figures.append(Figure("PostgreSQL: one entity in series, load+commit (sync API)", sync_rate, "events/s"))
    relaxed_label = 'PostgreSQL synchronous_commit="off" (not durable)'
    relaxed_figures = _server_figures(relaxed_label, "SELECT 1", relaxed, series_target=False)
    relaxed_figures[1:1] = _write_figures(relaxed_label, "not durable", relaxed)
    return figures + relaxed_figures


def _redis() -> list[Figure]:
    if not _reachable("127.0.0.1", 6379):
        return [Figure("Redis: skipped (server not reachable)", 0.0, "")]
    import redis

    from pystator_stores.redis import RedisStateStore

    prefix = f"pystator-bench:{uuid.uuid4().hex[:8]}:"

    async def measure() -> dict[str, list[float]]:
        store = RedisStateStore(REDIS_URL, prefix=prefix)
        try:
            client, _ = await store._async_clients.get()
            return await _server_samples(store, client.ping)
        finally:
            await store.aclose()

    try:
        samples = asyncio.run(measure())
        sync_store = RedisStateStore(REDIS_URL, prefix=prefix)
        sync_rate = _sync_series_rate(sync_store)
        sync_store.close()
    finally:
        cleanup = redis.Redis.from_url(REDIS_URL)
        keys = list(cleanup.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            cleanup.delete(*keys[start : start + 1000])
        cleanup.close()
    return [
        *_server_figures("Redis", "PING", samples),
        Figure("Redis: one entity in series, load+commit (sync API)", sync_rate, "events/s"),
    ]


def run() -> list[Figure]:
    return [*_memory(), *_sqlite(), *_postgres(), *_redis()]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())

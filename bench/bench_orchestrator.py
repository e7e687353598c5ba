"""Events per second through the Orchestrator: load -> process -> atomic commit -> actions -> record.

Each figure runs the whole sandwich per event on a two-state machine flipping on one trigger: one
load, ``machine.process``, one commit (compare-and-set, history row, idempotency key), and, in the
"with an action" figures, one registered action plus the ``mark_actions`` write recording its
outcome; "entity cache" figures skip the load when the process holds the latest record (an
``EntityCache``). "series" is one entity, one caller, back to back (latency-bound); "fleet" spreads events
over 1,000 entities with 32 concurrent tasks on the async path. Pools and caches are warmed up
before timing starts. ``machine.process`` alone is shown for reference, and for each durable store
the same load + commit without the Orchestrator (the overhead is the difference; on a busy machine
figures vary from run to run, the ratio less). PostgreSQL and Redis are skipped when the server is
not reachable.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _figures import Figure

from pystator import ActionRegistry, Orchestrator, StateMachine
from pystator.stores import EntityCache, InMemoryStateStore, TransitionCommit

SERIES_SECONDS = 1.0
FLEET_EVENTS = 6_000
ENTITIES = 1_000
TASKS = 32
WARM_UP = 20  # pools, prepared statements and caches warm before timing starts
PG_HOST = os.environ.get("PYSTATOR_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = os.environ.get("PYSTATOR_TEST_PG_ADMIN_DSN", f"postgresql://postgres@{PG_HOST}:5432/test")
REDIS_URL = os.environ.get("PYSTATOR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

FLIP: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "bench_flip"},
    "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
    "transitions": [
        {"trigger": "flip", "source": "a", "dest": "b"},
        {"trigger": "flip", "source": "b", "dest": "a"},
        {"trigger": "flip_act", "source": "a", "dest": "b", "actions": ["touch"]},
        {"trigger": "flip_act", "source": "b", "dest": "a", "actions": ["touch"]},
    ],
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _orchestrator(store: Any, *, cache: bool = False) -> Orchestrator:
    actions = ActionRegistry()
    actions.register("touch", lambda ctx: None)
    return Orchestrator(
        StateMachine.from_dict(FLIP),
        store,
        actions=actions,
        max_attempts=50,
        entity_cache=EntityCache() if cache else None,
    )


def _sync_series(orchestrator: Orchestrator, trigger: str) -> float:
    entity = f"series-{uuid.uuid4().hex[:8]}"
    for _ in range(WARM_UP):
        orchestrator.process_event(entity, trigger)
    events, started = 0, time.perf_counter()
    while time.perf_counter() - started < SERIES_SECONDS:
        for _ in range(50):
            orchestrator.process_event(entity, trigger)
        events += 50
    return events / (time.perf_counter() - started)


async def _async_series(orchestrator: Orchestrator, trigger: str) -> float:
    entity = f"series-{uuid.uuid4().hex[:8]}"
    for _ in range(WARM_UP):
        await orchestrator.async_process_event(entity, trigger)
    events, started = 0, time.perf_counter()
    while time.perf_counter() - started < SERIES_SECONDS:
        for _ in range(50):
            await orchestrator.async_process_event(entity, trigger)
        events += 50
    return events / (time.perf_counter() - started)


async def _async_fleet(orchestrator: Orchestrator, trigger: str) -> float:
    prefix = f"fleet-{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}-{i:04d}" for i in range(ENTITIES)]
    per_task = FLEET_EVENTS // TASKS
    await asyncio.gather(*(orchestrator.async_process_event(entity, trigger) for entity in ids[:TASKS]))

    async def worker(task: int) -> None:
        for step in range(per_task):
            await orchestrator.async_process_event(ids[(task + step * TASKS) % ENTITIES], trigger)

    started = time.perf_counter()
    await asyncio.gather(*(worker(task) for task in range(TASKS)))
    return per_task * TASKS / (time.perf_counter() - started)


async def _raw_series(store: Any) -> float:
    """The same load + commit straight on the store, without the Orchestrator, for comparison."""
    entity = f"raw-{uuid.uuid4().hex[:8]}"
    record = (
        await store.acommit_transition(TransitionCommit(entity, "bench_flip", None, None, "a", "flip"))
    ).entity
    events, started = 0, time.perf_counter()
    while time.perf_counter() - started < SERIES_SECONDS:
        for _ in range(50):
            record = await store.aload_entity(entity)
            commit = TransitionCommit(
                entity,
                "bench_flip",
                record.version,
                record.state,
                "b" if record.state == "a" else "a",
                "flip",
            )
            await store.acommit_transition(commit)
        events += 50
    return events / (time.perf_counter() - started)


def _engine_only() -> Figure:
    machine = StateMachine.from_dict(FLIP)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < 0.5:
        for _ in range(1000):
            machine.process("a", "flip", {})
        calls += 1000
    return Figure("reference: machine.process alone", calls / (time.perf_counter() - started), "calls/s")


def _figures(backend: str, results: dict[str, float], note: str = "") -> list[Figure]:
    return [Figure(f"{backend}: {what}", value, "events/s", note=note) for what, value in results.items()]


def _memory() -> list[Figure]:
    orchestrator = _orchestrator(InMemoryStateStore())

    async def measure() -> dict[str, float]:
        return {
            "series, async": await _async_series(orchestrator, "flip"),
            "series, async, with an action": await _async_series(orchestrator, "flip_act"),
            "fleet, 32 tasks": await _async_fleet(orchestrator, "flip"),
        }

    results = {
        "series, sync": _sync_series(orchestrator, "flip"),
        "series, sync, with an action": _sync_series(orchestrator, "flip_act"),
        **asyncio.run(measure()),
    }
    return _figures("InMemoryStateStore", results)


def _sqlite() -> list[Figure]:
    from pystator_stores.sqlite import SQLiteStateStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStateStore(Path(folder) / "bench.db")
        orchestrator = _orchestrator(store)
        try:

            async def measure() -> dict[str, float]:
                return {
                    "series, async": await _async_series(orchestrator, "flip"),
                    "reference: series, async, store alone": await _raw_series(store),
                    "series, async, entity cache": await _async_series(
                        _orchestrator(store, cache=True), "flip"
                    ),
                    "fleet, 32 tasks": await _async_fleet(orchestrator, "flip"),
                }

            results = {
                "series, sync": _sync_series(orchestrator, "flip"),
                "series, sync, with an action": _sync_series(orchestrator, "flip_act"),
                **asyncio.run(measure()),
            }
        finally:
            store.close()
    return _figures("SQLite (WAL, synchronous=FULL)", results)


def _postgres() -> list[Figure]:
    if not _reachable(PG_HOST, 5432):
        return [Figure("PostgreSQL: skipped (server not reachable)", 0.0, "")]
    import asyncpg

    from pystator_stores.postgres import PostgresStateStore

    name = f"pystator_bench_orch_{os.getpid()}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    dsn = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:

        async def measure() -> dict[str, float]:
            store = PostgresStateStore(dsn, min_size=16, max_size=16)
            orchestrator = _orchestrator(store)
            try:
                return {
                    "series, async": await _async_series(orchestrator, "flip"),
                    "reference: series, async, store alone": await _raw_series(store),
                    "series, async, entity cache": await _async_series(
                        _orchestrator(store, cache=True), "flip"
                    ),
                    "series, async, with an action": await _async_series(orchestrator, "flip_act"),
                    "fleet, 32 tasks": await _async_fleet(orchestrator, "flip"),
                    "fleet, 32 tasks, with an action": await _async_fleet(orchestrator, "flip_act"),
                    "fleet, 32 tasks, entity cache": await _async_fleet(
                        _orchestrator(store, cache=True), "flip"
                    ),
                }
            finally:
                await store.aclose()

        results = asyncio.run(measure())
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return _figures("PostgreSQL", results, note="pool of 16")


def _redis() -> list[Figure]:
    if not _reachable("127.0.0.1", 6379):
        return [Figure("Redis: skipped (server not reachable)", 0.0, "")]
    import redis

    from pystator_stores.redis import RedisStateStore

    prefix = f"pystator-bench-orch:{uuid.uuid4().hex[:8]}:"

    async def measure() -> dict[str, float]:
        store = RedisStateStore(REDIS_URL, prefix=prefix)
        orchestrator = _orchestrator(store)
        try:
            return {
                "series, async": await _async_series(orchestrator, "flip"),
                "reference: series, async, store alone": await _raw_series(store),
                "series, async, entity cache": await _async_series(_orchestrator(store, cache=True), "flip"),
                "fleet, 32 tasks": await _async_fleet(orchestrator, "flip"),
            }
        finally:
            await store.aclose()

    try:
        results = asyncio.run(measure())
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()
    return _figures("Redis", results)


def run() -> list[Figure]:
    return [_engine_only(), *_memory(), *_sqlite(), *_postgres(), *_redis()]

"""Timer schedulers: Redis capacity and schedule rate, firing lateness, replicas without duplicates.

Figures (issue: delayed transitions and state timeouts):
- 100,000 pending timers in Redis: memory per timer and in total, schedules per second;
- firing lag p50/p99 with 1,000 timers due per second (target p99 under 100 ms);
- three replica processes firing 10,000 timers: duplicates and misses (target 0 and 0);
- the in-process AsyncioScheduler: schedules per second and lag at the same load.

Everything lives under a random key prefix, deleted afterwards; other users of the Redis server are
left alone (no FLUSHDB). Without a reachable Redis the Redis figures are reported as skipped.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from _figures import Figure, percentile

REDIS_URL = os.environ.get("PYSTATOR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
HERE = Path(__file__).resolve().parent
PENDING_TIMERS = 100_000
LAG_RATE_PER_S = 1_000
LAG_SECONDS = 10
REPLICAS = 3
REPLICA_TIMERS = 10_000
CONCURRENCY = 64


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


async def gather_limited(coroutines: list, limit: int) -> None:  # type: ignore[type-arg]
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine) -> None:  # type: ignore[no-untyped-def]
        async with semaphore:
            await coroutine

    await asyncio.gather(*(run(c) for c in coroutines))


async def delete_prefix(prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL)
    batch: list[bytes] = []
    async for key in client.scan_iter(match=prefix + "*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            await client.delete(*batch)
            batch.clear()
    if batch:
        await client.delete(*batch)
    await client.aclose()


# ------------------------------------------------------------------ 100,000 pending timers


async def pending_capacity() -> list[Figure]:
    import redis.asyncio as aioredis

    from pystator.scheduler import TimerRef
    from pystator_scheduler.redis import RedisScheduler

    prefix = f"pystator-bench:{uuid.uuid4().hex[:8]}:"
    client = aioredis.Redis.from_url(REDIS_URL)
    before = int((await client.info("memory"))["used_memory"])
    try:
        async with RedisScheduler(REDIS_URL, prefix=prefix, fire=False) as producer:
            # Orchestrator-shaped timers: a TimerRef in the metadata, a deterministic id.
            def arm(i: int):  # type: ignore[no-untyped-def]
                ref = TimerRef(
                    machine="orders", entity_id=f"order-{i}", state="pending", state_version=1,
                    timer_id="after_0", trigger="expire",
                )  # fmt: skip
                return producer.schedule(
                    3_600_000, "orchestrator:orders", ref.entity_id, ref.trigger, ref.to_metadata(),
                    task_id=ref.task_id,
                )  # fmt: skip

            started = time.perf_counter()
            await gather_limited([arm(i) for i in range(PENDING_TIMERS)], CONCURRENCY)
            elapsed = time.perf_counter() - started
            assert await producer.count_pending() == PENDING_TIMERS
        after = int((await client.info("memory"))["used_memory"])
        sample = [f"timer/orders/order-{i}/v1/after_0" for i in range(0, PENDING_TIMERS, 100)]
        per_task = 0
        for task_id in sample:
            per_task += int(await client.memory_usage(prefix + "t:" + task_id) or 0)
            per_task += int(await client.memory_usage(prefix + "b:" + task_id) or 0)
        per_task //= len(sample)
        due = int(await client.memory_usage(prefix + "due:orchestrator:orders", samples=0) or 0)
        entity = int(await client.memory_usage(prefix + "e:order-1") or 0)
        per_timer = per_task + due / PENDING_TIMERS + entity
    finally:
        await client.aclose()
        await delete_prefix(prefix)
    return [
        Figure("redis: schedule rate (100,000 timers, 64 concurrent)", PENDING_TIMERS / elapsed, "timers/s"),
        Figure("redis: memory per pending timer (MEMORY USAGE of its keys)", per_timer, "bytes"),
        Figure(
            "redis: memory of 100,000 pending timers",
            per_timer * PENDING_TIMERS / 2**20,
            "MiB",
            note=f"used_memory grew by {(after - before) / 2**20:.1f} MiB (shared server, approximate)",
        ),
    ]


# ------------------------------------------------------------------ firing lag


async def redis_lag() -> list[Figure]:
    from pystator.scheduler import ScheduledTask
    from pystator_scheduler.redis import RedisScheduler

    prefix = f"pystator-bench:{uuid.uuid4().hex[:8]}:"
    total = LAG_RATE_PER_S * LAG_SECONDS
    lags: list[float] = []
    done = asyncio.Event()

    def on_fire(task: ScheduledTask) -> None:
        lags.append((datetime.now(UTC) - task.fires_at).total_seconds() * 1000)
        if len(lags) == total:
            done.set()

    try:
        async with RedisScheduler(REDIS_URL, prefix=prefix, fire=False) as producer:
            # 1,000 timers due per second for ten seconds, the first due once all are scheduled.
            first_due = time.time() + total / 2000 + 2

            def arm(i: int):  # type: ignore[no-untyped-def]
                due = first_due + i / LAG_RATE_PER_S
                return producer.schedule(round((due - time.time()) * 1000), "bench_lag", f"e{i}", "t")

            await gather_limited([arm(i) for i in range(total)], CONCURRENCY)
            if time.time() > first_due:
                raise RuntimeError("scheduling took longer than planned: the lag figures would be wrong")
        async with RedisScheduler(REDIS_URL, prefix=prefix) as firer:
            firer.register_handler("bench_lag", on_fire)
            await asyncio.wait_for(done.wait(), timeout=LAG_SECONDS + 30)
            metrics = await firer.metrics()
    finally:
        await delete_prefix(prefix)
    return [
        Figure("redis: firing lag p50 at 1,000 timers due/s (handler start)", percentile(lags, 50), "ms"),
        Figure(
            "redis: firing lag p99 at 1,000 timers due/s (handler start)",
            percentile(lags, 99),
            "ms",
            "< 100 ms",
            note=f"claim lag p99 from metrics(): {metrics.lag_p99_ms:.1f} ms",
        ),
    ]


async def asyncio_figures() -> list[Figure]:
    from pystator.scheduler import AsyncioScheduler, ScheduledTask

    total = LAG_RATE_PER_S * LAG_SECONDS // 2
    lags: list[float] = []
    done = asyncio.Event()

    def on_fire(task: ScheduledTask) -> None:
        lags.append((datetime.now(UTC) - task.fires_at).total_seconds() * 1000)
        if len(lags) == total:
            done.set()

    async with AsyncioScheduler() as scheduler:
        started = time.perf_counter()
        for i in range(PENDING_TIMERS):
            await scheduler.schedule(3_600_000, on_fire, f"e{i}", "t")
        rate = PENDING_TIMERS / (time.perf_counter() - started)
        await scheduler.cancel_for_entity("e1")
        for i in range(total):
            await scheduler.schedule(1000 + i * 1000 // LAG_RATE_PER_S, on_fire, f"lag{i}", "t")
        await asyncio.wait_for(done.wait(), timeout=60)
    return [
        Figure("asyncio: schedule rate (100,000 timers)", rate, "timers/s"),
        Figure("asyncio: firing lag p99 at 1,000 timers due/s", percentile(lags, 99), "ms", "< 100 ms"),
    ]


# ------------------------------------------------------------------ replicas


async def replicas_exactly_once() -> list[Figure]:
    import redis.asyncio as aioredis

    from pystator_scheduler.redis import RedisScheduler

    prefix = f"pystator-bench:{uuid.uuid4().hex[:8]}:"
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "_scheduler_replica.py"), REDIS_URL, prefix
        )
        for _ in range(REPLICAS)
    ]
    try:
        deadline = time.monotonic() + 60
        while await client.llen(prefix + "ready") < REPLICAS:
            if time.monotonic() > deadline:
                raise RuntimeError("the replicas did not start")
            await asyncio.sleep(0.05)
        async with RedisScheduler(REDIS_URL, prefix=prefix, fire=False) as producer:
            await gather_limited(
                [
                    producer.schedule(1000 + i % 5000, "bench_count", f"e{i % 1000}", "t", task_id=f"t{i}")
                    for i in range(REPLICA_TIMERS)
                ],
                CONCURRENCY,
            )
            # All due within six seconds; then wait for a sentinel due after them.
            await producer.schedule(7000, "bench_count", "sentinel", "t", task_id="sentinel")
            deadline = time.monotonic() + 60
            while not await client.hexists(prefix + "fires", "sentinel"):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
        counts = {k: int(v) for k, v in (await client.hgetall(prefix + "fires")).items()}
        counts.pop("sentinel", None)
    finally:
        await client.rpush(prefix + "stop", *["1"] * REPLICAS)
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()
        await client.aclose()
        await delete_prefix(prefix)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    misses = REPLICA_TIMERS - len(counts)
    return [
        Figure("redis: 3 replica processes, 10,000 timers: duplicate fires", duplicates, "fires", "0"),
        Figure("redis: 3 replica processes, 10,000 timers: missed timers", misses, "timers", "0"),
    ]


def run() -> list[Figure]:
    figures = asyncio.run(asyncio_figures())
    if not redis_reachable():
        return [
            *figures,
            Figure("redis scheduler figures", float("nan"), "", note="skipped: Redis unreachable"),
        ]
    figures += asyncio.run(pending_capacity())
    figures += asyncio.run(redis_lag())
    figures += asyncio.run(replicas_exactly_once())
    return figures

"""``RedisScheduler`` beyond the shared suite: restarts, replicas, SIGKILL, leases, server time."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from pystator.errors import SchedulerError
from pystator.scheduler import RetryPolicy, ScheduledTask, Scheduler, TaskStatus
from pystator_scheduler.redis import RedisScheduler

pytestmark = pytest.mark.redis

REPLICA = Path(__file__).with_name("replica_process.py")


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


def start_replica(redis_url: str, prefix: str, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(REPLICA), redis_url, prefix, mode])


async def test_it_satisfies_the_scheduler_protocol(redis_url: str, redis_prefix: str) -> None:
    async with RedisScheduler(redis_url, prefix=redis_prefix) as scheduler:
        assert isinstance(scheduler, Scheduler)


async def test_timers_survive_a_restart(redis_url: str, redis_prefix: str) -> None:
    fired: list[str] = []

    def on_fire(task: ScheduledTask) -> None:
        fired.append(task.task_id)

    first = RedisScheduler(redis_url, prefix=redis_prefix)
    first.register_handler("on_fire", on_fire)
    task_ids = [await first.schedule(300, "on_fire", f"e{i}", "tick", {"i": i}) for i in range(5)]
    await first.close()
    assert fired == []

    second = RedisScheduler(redis_url, prefix=redis_prefix)
    assert len(await second.get_pending_tasks()) == 5
    second.register_handler("on_fire", on_fire)
    await second.start()
    try:
        await eventually(lambda: _true(len(fired) == 5), "the timers of the first process to fire")
    finally:
        await second.close()
    assert sorted(fired) == sorted(task_ids)


async def _true(value: bool) -> bool:
    return value


async def test_a_process_claims_only_timers_whose_handler_it_has(redis_url: str, redis_prefix: str) -> None:
    producer = RedisScheduler(redis_url, prefix=redis_prefix, fire=False)
    task_id = await producer.schedule(0, "elsewhere", "e", "tick")
    fired: list[str] = []
    async with RedisScheduler(redis_url, prefix=redis_prefix, poll_interval_ms=10) as other:
        other.register_handler("unrelated", lambda t: None)
        await other.schedule(0, "unrelated", "e", "tick")
        sentinel_fired = asyncio.Event()
        other.register_handler("sentinel", lambda t: sentinel_fired.set())
        await other.schedule(50, "sentinel", "e", "tick")
        await asyncio.wait_for(sentinel_fired.wait(), timeout=10)
        task = await other.get_task(task_id)
        assert task is not None
        assert (task.status, task.attempts) == (TaskStatus.PENDING, 0)

        other.register_handler("elsewhere", lambda t: fired.append(t.task_id))
        await eventually(lambda: _true(fired == [task_id]), "the timer to fire once its handler exists")
    await producer.close()


async def test_a_producer_only_scheduler_never_fires(redis_url: str, redis_prefix: str) -> None:
    fired: list[str] = []
    async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
        producer.register_handler("mine", lambda t: fired.append(t.task_id))
        await producer.schedule(0, "mine", "e", "tick")
        await asyncio.sleep(0.2)  # a poller, if one ran, would have fired it by now
        assert fired == []
        assert await producer.count_pending() == 1


async def test_due_times_come_from_the_redis_server_clock(
    redis_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    async def server_ms() -> int:
        seconds, micros = await redis_client.time()
        return int(seconds) * 1000 + int(micros) // 1000

    async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as scheduler:
        before = await server_ms()
        task_id = await scheduler.schedule(60_000, "h", "e", "tick")
        after = await server_ms()
        task = await scheduler.get_task(task_id)
    assert task is not None
    scheduled_ms = int(task.scheduled_at.timestamp() * 1000)
    assert before <= scheduled_ms <= after
    assert int(task.fires_at.timestamp() * 1000) == scheduled_ms + 60_000


async def test_three_replicas_fire_every_timer_exactly_once(
    redis_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    count = 1500
    replicas = [start_replica(redis_url, redis_prefix, "record") for _ in range(3)]
    try:
        await eventually(
            lambda: _ge(redis_client.llen(redis_prefix + "ready"), 3), "three replicas to start", timeout_s=30
        )
        async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
            for i in range(count):
                await producer.schedule(
                    i % 500, "replica_record", f"entity-{i % 97}", "tick", task_id=f"t{i}"
                )
            await eventually(
                lambda: _ge(redis_client.hlen(redis_prefix + "fires"), count), f"{count} timers to fire"
            )
            # Anything fired twice would have done so by the time a later timer fires.
            await producer.schedule(200, "replica_record", "sentinel", "tick", task_id="sentinel")
            await eventually(lambda: redis_client.hexists(redis_prefix + "fires", "sentinel"), "the sentinel")
            # A handler records before its timer is acknowledged: wait for the last acknowledgement.
            await eventually(lambda: _settled(producer, fired=count + 1), "every fire to be acknowledged")
        fires = await redis_client.hgetall(redis_prefix + "fires")
        assert set(fires) == {f"t{i}" for i in range(count)} | {"sentinel"}
        assert {int(n) for n in fires.values()} == {1}
    finally:
        await redis_client.rpush(redis_prefix + "stop", *["1"] * len(replicas))
        for replica in replicas:
            assert replica.wait(timeout=30) == 0


async def _settled(scheduler: RedisScheduler, *, fired: int) -> bool:
    """Nothing pending or in flight, and ``fired`` timers acknowledged."""
    metrics = await scheduler.metrics()
    return (metrics.fired, metrics.pending, metrics.in_flight) == (fired, 0, 0)


async def _ge(value: Awaitable[int], minimum: int) -> bool:
    return await value >= minimum


async def test_timers_held_by_a_killed_process_fire_once_elsewhere(
    redis_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
        ids = [
            await producer.schedule(0, "replica_block", f"e{i}", "tick", task_id=f"t{i}") for i in range(20)
        ]

    victim = start_replica(redis_url, redis_prefix, "block")
    try:
        await eventually(
            lambda: _ge(redis_client.llen(redis_prefix + "started"), 5), "the victim to claim", timeout_s=30
        )
    finally:
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
    held = await redis_client.lrange(redis_prefix + "started", 0, -1)
    assert len(held) == 5

    fired: list[ScheduledTask] = []
    async with RedisScheduler(redis_url, prefix=redis_prefix, lease_ms=500, poll_interval_ms=20) as survivor:
        survivor.register_handler("replica_block", fired.append)
        await eventually(lambda: _true(len(fired) == 20), "every timer to fire in the survivor")
        await eventually(lambda: _settled(survivor, fired=20), "every fire to be acknowledged")
        metrics = await survivor.metrics()
    assert sorted(t.task_id for t in fired) == sorted(ids)
    assert {t.task_id: t.attempts for t in fired if t.task_id in held} == dict.fromkeys(held, 2)
    assert metrics.recovered == 5


async def test_a_handler_running_longer_than_the_lease_is_not_taken_over(
    redis_url: str, redis_prefix: str
) -> None:
    calls: list[str] = []

    async def slow(task: ScheduledTask) -> None:
        calls.append(task.task_id)
        await asyncio.sleep(1.0)  # the handler's own work, three leases long

    first = RedisScheduler(redis_url, prefix=redis_prefix, lease_ms=300, poll_interval_ms=20)
    second = RedisScheduler(redis_url, prefix=redis_prefix, lease_ms=300, poll_interval_ms=20)
    for scheduler in (first, second):
        scheduler.register_handler("slow", slow)
    try:
        task_id = await first.schedule(0, "slow", "e", "tick")
        await second.start()
        await eventually(
            lambda: _status_is(first, task_id, TaskStatus.FIRED), "the slow handler to finish", timeout_s=10
        )
        metrics = await first.metrics()
    finally:
        await first.close()
        await second.close()
    assert calls == [task_id]
    assert (metrics.recovered, metrics.fired) == (0, 1)


async def _status_is(scheduler: RedisScheduler, task_id: str, status: TaskStatus) -> bool:
    task = await scheduler.get_task(task_id)
    return task is not None and task.status is status


async def test_close_hands_running_timers_back(redis_url: str, redis_prefix: str) -> None:
    started = asyncio.Event()

    async def stuck(task: ScheduledTask) -> None:
        started.set()
        await asyncio.Event().wait()

    first = RedisScheduler(redis_url, prefix=redis_prefix, shutdown_grace_s=0.05)
    first.register_handler("h", stuck)
    task_id = await first.schedule(0, "h", "e", "tick")
    await asyncio.wait_for(started.wait(), timeout=10)
    await first.close()

    fired: list[ScheduledTask] = []
    async with RedisScheduler(redis_url, prefix=redis_prefix) as second:
        task = await second.get_task(task_id)
        assert task is not None
        assert (task.status, task.attempts) == (TaskStatus.PENDING, 0)
        second.register_handler("h", fired.append)
        await eventually(lambda: _true(len(fired) == 1), "the handed-back timer to fire")
    assert fired[0].attempts == 1


async def test_a_lost_lease_is_reported_and_not_acknowledged(redis_url: str, redis_prefix: str) -> None:
    """A handler outliving a lease that could not be extended (a stalled process) is taken over."""
    from pystator_scheduler._store import RedisTimerStore

    client = aioredis.Redis.from_url(redis_url)
    store = RedisTimerStore(client, redis_prefix)
    try:
        async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
            task_id = await producer.schedule(0, "h", "e", "tick")
        stalled = (
            await store.claim_due(["h"], limit=10, lease_ms=100, owner="stalled", retention_s=60)
        ).claimed
        assert [c.task.task_id for c in stalled] == [task_id]
        await asyncio.sleep(0.15)  # the stalled owner's lease runs out
        taken = (
            await store.claim_due(["h"], limit=10, lease_ms=10_000, owner="healthy", retention_s=60)
        ).claimed
        assert [c.task.attempts for c in taken] == [2]
        assert await store.ack(stalled[0], 60) is False
        assert await store.extend({task_id: stalled[0].token}, 10_000) == 0
        assert await store.ack(taken[0], 60) is True
        task = await store.get(task_id)
        assert task is not None
        assert task.status is TaskStatus.FIRED
        assert (await store.metrics()).recovered == 1
    finally:
        await client.aclose()


async def test_finished_timers_expire_after_the_retention(
    redis_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    async with RedisScheduler(redis_url, prefix=redis_prefix, retention_s=30) as scheduler:
        task_id = await scheduler.schedule(60_000, lambda t: None, "e", "tick")
        assert await redis_client.ttl(redis_prefix + "t:" + task_id) == -1
        assert await scheduler.cancel(task_id)
        assert 0 < await redis_client.ttl(redis_prefix + "t:" + task_id) <= 30
        assert 0 < await redis_client.ttl(redis_prefix + "b:" + task_id) <= 30
        assert await redis_client.exists(redis_prefix + "e:e") == 0


async def test_metrics_report_overdue_timers(redis_url: str, redis_prefix: str) -> None:
    async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
        await producer.schedule(0, "nobody_fires_this", "e", "tick")
        await asyncio.sleep(0.05)  # let it become overdue: no process fires this handler
        metrics = await producer.metrics()
    assert metrics.pending == 1
    assert metrics.overdue_ms >= 40


async def test_retries_use_the_policy_backoff(redis_url: str, redis_prefix: str) -> None:
    attempts: list[float] = []

    def flaky(task: ScheduledTask) -> None:
        attempts.append(time.monotonic())
        if task.attempts < 3:
            raise RuntimeError("not yet")

    policy = RetryPolicy(max_attempts=3, backoff_ms=100, max_backoff_ms=1000)
    async with RedisScheduler(redis_url, prefix=redis_prefix, retry=policy, poll_interval_ms=10) as scheduler:
        task_id = await scheduler.schedule(0, flaky, "e", "tick")
        await eventually(lambda: _status_is(scheduler, task_id, TaskStatus.FIRED), "the third attempt")
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.095
    assert gaps[1] >= 0.195


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prefix": ""}, "prefix"),
        ({"poll_interval_ms": 0}, "poll_interval_ms"),
        ({"lease_ms": 10}, "lease_ms"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_concurrency": -1}, "max_concurrency"),
        ({"retention_s": 0}, "retention_s"),
        ({"shutdown_grace_s": 0}, "shutdown_grace_s"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RedisScheduler(**kwargs)  # type: ignore[arg-type]


def test_a_missing_driver_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['redis'] = None\n"
        "try:\n"
        "    import pystator_scheduler.redis\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("IMPORT-ERROR")
    assert "pystator-scheduler[redis]" in out


def test_the_core_forwarder_resolves_the_redis_scheduler() -> None:
    import pystator.scheduler

    assert pystator.scheduler.RedisScheduler is RedisScheduler


async def test_a_firing_scheduler_refuses_unregistered_handler_names(
    redis_url: str, redis_prefix: str
) -> None:
    async with RedisScheduler(redis_url, prefix=redis_prefix) as scheduler:
        with pytest.raises(ValueError, match="register_handler"):
            await scheduler.schedule(1, "nobody", "e", "t")
        assert await scheduler.count_pending() == 0


def test_a_program_that_never_closes_the_scheduler_still_exits(redis_url: str, redis_prefix: str) -> None:
    """asyncio.run cancels the poller at exit; it must stop even if redis-py swallows that."""
    code = (
        "import asyncio\n"
        "from pystator_scheduler.redis import RedisScheduler\n"
        "async def main():\n"
        f"    scheduler = RedisScheduler({redis_url!r}, prefix={redis_prefix!r}, poll_interval_ms=1)\n"
        "    scheduler.register_handler('h', lambda t: None)\n"
        "    await scheduler.schedule(60_000, 'h', 'e', 't')\n"
        "    await asyncio.sleep(0.3)\n"
        "asyncio.run(main())\n"
        "print('exited')\n"
    )
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
        assert out.stdout.strip() == "exited", out.stderr


async def test_an_unreadable_record_fails_alone(
    redis_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    fired: list[str] = []
    async with RedisScheduler(redis_url, prefix=redis_prefix, fire=False) as producer:
        broken = await producer.schedule(0, "h", "e", "tick", task_id="broken")
        healthy = [await producer.schedule(0, "h", "e", "tick", task_id=f"ok{i}") for i in range(3)]
    await redis_client.set(redis_prefix + "b:" + broken, "{not json")
    async with RedisScheduler(redis_url, prefix=redis_prefix) as scheduler:
        scheduler.register_handler("h", lambda t: fired.append(t.task_id))
        await eventually(lambda: _true(sorted(fired) == healthy), "the readable timers to fire")
        await eventually(lambda: _settled(scheduler, fired=3), "the fires to be acknowledged")

        async def failed() -> bool:
            return await redis_client.hget(redis_prefix + "t:" + broken, "status") == "failed"

        await eventually(failed, "the broken one to fail")
        with pytest.raises(SchedulerError, match="unreadable record"):
            await scheduler.get_task(broken)

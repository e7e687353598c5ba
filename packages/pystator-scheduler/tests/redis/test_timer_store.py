"""The Redis timer records and their scripts, one message at a time (the Celery path)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from pystator.scheduler import TaskStatus
from pystator.scheduler.timer_request import check_timer_request
from pystator_scheduler._store import RedisTimerStore

pytestmark = pytest.mark.redis


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisTimerStore]:
    client = aioredis.Redis.from_url(redis_url)
    yield RedisTimerStore(client, redis_prefix)
    await client.aclose()


async def schedule(store: RedisTimerStore, delay_ms: int, task_id: str = "t1") -> None:
    assert await store.schedule(check_timer_request(delay_ms, "e", "tick", {"m": 1}, task_id), "h")


async def test_a_message_before_the_due_time_is_told_to_wait(store: RedisTimerStore) -> None:
    await schedule(store, 60_000)
    outcome = await store.claim_one("t1", 0, lease_ms=1000, owner="w", retention_s=60)
    assert outcome.outcome == "wait"
    assert 59_000 < outcome.wait_ms <= 60_000


async def test_rearming_moves_the_hop_once(store: RedisTimerStore) -> None:
    await schedule(store, 60_000)
    assert await store.rearm("t1", 0) == 1
    assert await store.rearm("t1", 0) == -1  # a duplicate of the same message
    assert await store.hop("t1") == 1
    stale = await store.claim_one("t1", 0, lease_ms=1000, owner="w", retention_s=60)
    assert (stale.outcome, stale.reason) == ("drop", "stale")


async def test_a_due_message_claims_once_and_a_leased_timer_is_busy(store: RedisTimerStore) -> None:
    await schedule(store, 0)
    first = await store.claim_one("t1", 0, lease_ms=10_000, owner="w1", retention_s=60)
    assert first.outcome == "fire"
    assert first.claimed is not None
    assert first.claimed.task.status is TaskStatus.FIRING
    assert first.claimed.task.metadata == {"m": 1}
    second = await store.claim_one("t1", 0, lease_ms=10_000, owner="w2", retention_s=60)
    assert (second.outcome, second.reason) == ("drop", "firing")
    assert await store.ack(first.claimed, 60)
    done = await store.claim_one("t1", 0, lease_ms=10_000, owner="w2", retention_s=60)
    assert (done.outcome, done.reason) == ("drop", "fired")


async def test_a_redelivered_message_takes_over_an_expired_lease(store: RedisTimerStore) -> None:
    await schedule(store, 0)
    dead = await store.claim_one("t1", 0, lease_ms=100, owner="dead-worker", retention_s=60)
    assert dead.claimed is not None
    await asyncio.sleep(0.15)  # the dead worker's lease runs out
    again = await store.claim_one("t1", 0, lease_ms=10_000, owner="w2", retention_s=60)
    assert again.outcome == "fire"
    assert again.claimed is not None
    assert again.claimed.task.attempts == 2
    assert not await store.ack(dead.claimed, 60)
    assert await store.ack(again.claimed, 60)
    assert (await store.metrics()).recovered == 1


async def test_unknown_and_cancelled_timers_are_dropped(store: RedisTimerStore) -> None:
    unknown = await store.claim_one("nope", 0, lease_ms=1000, owner="w", retention_s=60)
    assert (unknown.outcome, unknown.reason) == ("drop", "unknown")
    await schedule(store, 0)
    assert await store.cancel("t1", 60)
    cancelled = await store.claim_one("t1", 0, lease_ms=1000, owner="w", retention_s=60)
    assert (cancelled.outcome, cancelled.reason) == ("drop", "cancelled")


async def test_a_failed_attempt_moves_to_a_new_hop_and_forget_removes_all_trace(
    store: RedisTimerStore,
) -> None:
    await schedule(store, 0)
    claimed = (await store.claim_one("t1", 0, lease_ms=1000, owner="w", retention_s=60)).claimed
    assert claimed is not None
    hop = await store.fail(claimed, "boom", backoff_ms=60_000, max_attempts=3, retention_s=60)
    assert hop == 1
    task = await store.get("t1")
    assert task is not None
    assert (task.status, task.error, task.attempts) == (TaskStatus.PENDING, "boom", 1)
    assert await store.forget("t1")
    assert await store.get("t1") is None
    assert await store.count_pending() == 0
    await schedule(store, 0)  # the id is free again


async def test_sweep_rearms_overdue_timers_and_recovers_expired_leases(store: RedisTimerStore) -> None:
    await schedule(store, 0, "overdue")
    await schedule(store, 60_000, "future")
    await schedule(store, 0, "leased")
    assert (await store.claim_one("leased", 0, lease_ms=100, owner="dead", retention_s=60)).outcome == "fire"
    await asyncio.sleep(0.15)
    swept = dict(await store.sweep(grace_ms=50, limit=100))
    assert swept == {"overdue": 1, "leased": 1}


async def test_an_unreadable_record_is_failed_instead_of_fired(
    store: RedisTimerStore, redis_prefix: str
) -> None:
    await schedule(store, 0)
    await store.client.set(redis_prefix + "b:t1", "[]")
    outcome = await store.claim_one("t1", 0, lease_ms=1000, owner="w", retention_s=60)
    assert (outcome.outcome, outcome.reason) == ("drop", "undecodable")
    assert await store.client.hget(redis_prefix + "t:t1", "status") == b"failed"

"""Coalesced loads and commits: one round trip for many callers, each with its own outcome.

The ``Coalescer`` alone (batch shapes, per-key order, cancellation), then the PostgreSQL and Redis
stores against the real servers: concurrent commits with one conflicting, atomicity of each commit
within a batch (state, history row and idempotency key together), and the order of commits on one
entity.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from pystator.actions.result import ActionStatus
from pystator.errors import StaleVersionError, StoreError
from pystator.stores import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    PlannedAction,
    TransitionCommit,
    TransitionRecord,
)
from pystator_stores._batching import Coalescer
from pystator_stores.postgres import PostgresStateStore, commit_many_on_connection
from pystator_stores.redis import RedisStateStore

# --------------------------------------------------------------------------- the Coalescer alone


class Recorder:
    """``run_one``/``run_many`` that record what they were given (values: the item doubled)."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def one(self, item: int) -> int:
        self.calls.append([item])
        await asyncio.sleep(0)
        if item < 0:
            raise ValueError(f"negative: {item}")
        return item * 2

    async def many(self, items: Sequence[int]) -> list[int | BaseException]:
        self.calls.append(list(items))
        await asyncio.sleep(0)
        return [ValueError(f"negative: {i}") if i < 0 else i * 2 for i in items]


async def test_a_lone_call_runs_at_once_and_concurrent_calls_share_a_batch() -> None:
    rec = Recorder()
    batcher: Coalescer[int, int] = Coalescer(rec.one, rec.many)
    assert await batcher.submit("a", 1) == 2
    assert rec.calls == [[1]]
    rec.calls.clear()
    results = await asyncio.gather(*(batcher.submit(f"k{i}", i) for i in range(32)))
    assert results == [i * 2 for i in range(32)]
    # the first runs alone (nothing else pending), the 31 others leave together
    assert rec.calls == [[0], list(range(1, 32))]
    assert batcher.idle


async def test_each_caller_gets_its_own_outcome() -> None:
    rec = Recorder()
    batcher: Coalescer[int, int] = Coalescer(rec.one, rec.many)
    results = await asyncio.gather(
        *(batcher.submit(i, v) for i, v in enumerate([1, 2, -3, 4])), return_exceptions=True
    )
    assert results[0] == 2 and results[1] == 4 and results[3] == 8
    assert isinstance(results[2], ValueError)


async def test_calls_on_one_key_keep_their_order_and_never_share_a_batch() -> None:
    rec = Recorder()
    batcher: Coalescer[int, int] = Coalescer(rec.one, rec.many)
    results = await asyncio.gather(*(batcher.submit("same" if i % 2 else i, i) for i in range(8)))
    assert results == [i * 2 for i in range(8)]
    odd = [item for call in rec.calls for item in call if item % 2]
    assert odd == [1, 3, 5, 7]  # submitted in that order, sent in that order
    for call in rec.calls:
        assert sum(1 for item in call if item % 2) <= 1


async def test_a_cancelled_caller_is_dropped_before_its_call_is_sent() -> None:
    rec, gate = Recorder(), asyncio.Event()

    async def held(item: int) -> int:
        await gate.wait()
        return await rec.one(item)

    batcher: Coalescer[int, int] = Coalescer(held, rec.many)
    first = asyncio.ensure_future(batcher.submit("a", 1))
    await asyncio.sleep(0)  # "a" is in flight: the next ones queue
    second = asyncio.ensure_future(batcher.submit("b", 2))
    third = asyncio.ensure_future(batcher.submit("c", 3))
    fourth = asyncio.ensure_future(batcher.submit("d", 4))
    await asyncio.sleep(0)
    second.cancel()
    gate.set()
    assert await first == 2 and await third == 6 and await fourth == 8
    assert rec.calls == [[1], [3, 4]]
    assert batcher.idle


# --------------------------------------------------------------------------- the stores


def _create(entity_id: str, key: str | None = None) -> TransitionCommit:
    return TransitionCommit(entity_id, "m", None, None, "a", "create", context={"n": 0}, idempotency_key=key)


def _step(entity_id: str, version: int, n: int, key: str | None = None) -> TransitionCommit:
    return TransitionCommit(
        entity_id,
        "m",
        version,
        "a",
        "b" if n % 2 else "a",
        f"step{n}",
        context={"n": n},
        context_changes={"n": {"before": n - 1, "after": n}},
        idempotency_key=key,
    )


@pytest.fixture(params=["postgres", "redis"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    """(kind, server address, key prefix) of the server to test against (resolved outside any loop)."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return "postgres", request.getfixturevalue("postgres_dsn"), ""
    request.applymarker(pytest.mark.redis)
    return "redis", request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")


@pytest.fixture
async def store(backend: tuple[str, str, str]) -> AsyncIterator[Any]:
    kind, address, prefix = backend
    opened: Any = (
        PostgresStateStore(address, max_size=4)
        if kind == "postgres"
        else RedisStateStore(address, prefix=prefix)
    )
    yield opened
    await opened.aclose()


async def _created(store: Any, ids: Sequence[str]) -> dict[str, CommitResult]:
    results = await asyncio.gather(*(store.acommit_transition(_create(i)) for i in ids))
    return dict(zip(ids, results, strict=True))


async def test_concurrent_commits_one_conflicting_the_others_apply(store: Any, unique: str) -> None:
    ids = [f"{unique}-{i}" for i in range(20)]
    await _created(store, ids)
    commits = [_step(eid, 1, 1) for eid in ids]
    commits[7] = _step(ids[7], 5, 1)  # stale: the entity is at version 1
    results = await asyncio.gather(*(store.acommit_transition(c) for c in commits), return_exceptions=True)
    assert isinstance(results[7], StaleVersionError)
    assert results[7].actual_version == 1
    for index, result in enumerate(results):
        if index != 7:
            assert isinstance(result, CommitResult), result
            assert result.entity.version == 2 and result.transition.trigger == "step1"
    loaded = await asyncio.gather(*(store.aload_entity(eid) for eid in ids))
    assert [record.version for record in loaded] == [1 if i == 7 else 2 for i in range(20)]
    assert [record.context for record in loaded] == [{"n": 0} if i == 7 else {"n": 1} for i in range(20)]
    assert [t.trigger for t in await store.ahistory(ids[7])] == ["create"]


async def test_each_commit_of_a_batch_writes_state_history_and_key_together(store: Any, unique: str) -> None:
    ids = [f"{unique}-{i}" for i in range(12)]
    await _created(store, ids)
    first = await store.acommit_transition(_step(ids[0], 1, 1, key="k-0"))
    commits = [_step(eid, 1, 1, key=f"k-{i}") for i, eid in enumerate(ids)]
    commits[3] = TransitionCommit(ids[3], "other", 1, "a", "b", "step1")  # the entity belongs to "m"
    results = await asyncio.gather(*(store.acommit_transition(c) for c in commits), return_exceptions=True)
    assert isinstance(results[0], CommitResult) and results[0].duplicate
    assert results[0].transition.version == first.transition.version == 2
    assert isinstance(results[3], StoreError) and not isinstance(results[3], StaleVersionError)
    for index, eid in enumerate(ids):
        record = await store.aload_entity(eid)
        history = await store.ahistory(eid)
        assert record.version == history[-1].version == len(history)
        if index == 3:
            assert record.version == 1
            continue
        assert record.version == 2 and history[-1].idempotency_key == f"k-{index}"
    again = await asyncio.gather(*(store.acommit_transition(c) for i, c in enumerate(commits) if i != 3))
    assert all(result.duplicate for result in again)  # every key was recorded with its transition


async def test_commits_on_one_entity_apply_in_the_order_they_were_issued(store: Any, unique: str) -> None:
    entity = f"{unique}-ordered"
    others = [f"{unique}-{i}" for i in range(10)]
    await _created(store, [entity, *others])
    # Issued together: each expects the version the previous one makes, so only the issue order works.
    chain = [store.acommit_transition(_step(entity, version, version)) for version in range(1, 9)]
    noise = [store.acommit_transition(_step(eid, 1, 1)) for eid in others]
    results = await asyncio.gather(*chain, *noise)
    assert [r.entity.version for r in results[:8]] == list(range(2, 10))
    history = await store.ahistory(entity)
    assert [t.trigger for t in history] == ["create", *(f"step{v}" for v in range(1, 9))]


async def test_concurrent_loads_share_a_round_trip_and_read_each_entity(store: Any, unique: str) -> None:
    ids = [f"{unique}-{i}" for i in range(16)]
    await _created(store, ids[:12])
    loaded = await asyncio.gather(*(store.aload_entity(eid) for eid in [*ids, ids[0]]))
    assert [None if r is None else r.entity_id for r in loaded] == [*ids[:12], None, None, None, None, ids[0]]
    loaded[0].context["n"] = 99  # a reader's copy: the other reader of the same entity is not affected
    assert loaded[-1].context == {"n": 0}


@pytest.mark.postgres
async def test_a_batch_statement_is_atomic_as_a_whole(postgres_dsn: str, unique: str) -> None:
    store = PostgresStateStore(postgres_dsn, max_size=2)
    try:
        ids = [f"{unique}-{i}" for i in range(3)]
        await _created(store, ids)
        conn = await asyncpg.connect(postgres_dsn)
        try:
            now = datetime.now(UTC)
            tx = conn.transaction()
            await tx.start()
            outcomes = await commit_many_on_connection(conn, [(_step(eid, 1, 1), now) for eid in ids])
            assert all(isinstance(o, CommitResult) for o in outcomes)
            await tx.rollback()
        finally:
            await conn.close()
        assert [(await store.aload_entity(eid)).version for eid in ids] == [1, 1, 1]
        assert [len(await store.ahistory(eid)) for eid in ids] == [1, 1, 1]
    finally:
        await store.aclose()


@pytest.fixture
def unique() -> str:
    return f"batch-{uuid.uuid4().hex[:8]}"


async def test_concurrent_action_outcomes_are_recorded_each_on_its_own(store: Any, unique: str) -> None:
    ids = [f"{unique}-{i}" for i in range(10)]
    await _created(store, ids)
    planned = (PlannedAction("notify"),)
    for eid in ids:
        await store.acommit_transition(
            TransitionCommit(eid, "m", 1, "a", "b", "go", context={"n": 1}, actions=planned)
        )
    done = [ActionOutcome("notify", ActionStatus.SUCCESS)]
    failed = [ActionOutcome("notify", ActionStatus.FAILED, error="boom")]
    marks = [store.amark_actions(eid, 2, failed if i % 3 == 0 else done) for i, eid in enumerate(ids)]
    marks.append(store.amark_actions(ids[0], 9, done))  # no such transition
    results = await asyncio.gather(*marks, return_exceptions=True)
    assert isinstance(results[-1], StoreError)
    for index, (eid, record) in enumerate(zip(ids, results[:-1], strict=True)):
        assert isinstance(record, TransitionRecord), record
        assert (record.entity_id, record.version) == (eid, 2)
        assert record.actions_status is (ActionsStatus.FAILED if index % 3 == 0 else ActionsStatus.DONE)
        stored = await store.aget_transition(eid, 2)
        assert (stored.actions_status, stored.action_outcomes) == (
            record.actions_status,
            record.action_outcomes,
        )
    pending = await store.apending_action_records(limit=10_000)  # the database may hold other tests' rows
    assert not [record for record in pending if record.entity_id in ids]

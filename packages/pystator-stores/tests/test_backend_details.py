"""What each backend promises beyond the shared suite: SQLite's durability settings, clear errors when
a schema is missing or a server is unreachable, Redis keys under the prefix with history in a stream."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis

from pystator.errors import StoreError
from pystator.stores import PlannedAction, TransitionCommit
from pystator_stores.migrations import status, upgrade
from pystator_stores.postgres import PostgresStateStore
from pystator_stores.redis import RedisStateStore
from pystator_stores.sqlite import SQLiteStateStore


def commit(entity_id: str, expected: int | None, state: str, **extra: object) -> TransitionCommit:
    return TransitionCommit(entity_id, "m", expected, None, state, "go", **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- SQLite


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    with SQLiteStateStore(tmp_path / "s.db") as store:
        store.set_state("e", "a")
        conn = store._conn()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteStateStore(tmp_path / "s.db", synchronous="OFF")  # type: ignore[arg-type]


def test_sqlite_without_its_schema_says_how_to_create_it(tmp_path: Path) -> None:
    path = tmp_path / "bare.db"
    with SQLiteStateStore(path, migrate=False) as store:
        with pytest.raises(StoreError, match="pystator db upgrade"):
            store.load_entity("e")
        upgrade(f"sqlite:///{path}", components=["stores"])
        assert store.load_entity("e") is None


def test_sqlite_store_opened_twice_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    SQLiteStateStore(path).close()
    SQLiteStateStore(path).close()
    (stores,) = status(f"sqlite:///{path}", components=["stores"])
    assert stores.up_to_date
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM pystator_schema_migrations").fetchone()
    assert rows[0] == 1


def test_a_closed_sqlite_store_refuses_work(tmp_path: Path) -> None:
    store = SQLiteStateStore(tmp_path / "closed.db")
    store.close()
    with pytest.raises(StoreError):
        store.get_state("e")


def test_a_failed_sqlite_commit_rolls_back_the_entity_write(tmp_path: Path) -> None:
    """The entity row and the history row commit together: break the history insert, keep the entity."""
    with SQLiteStateStore(tmp_path / "atomic.db") as store:
        store.commit_transition(commit("e", None, "a", context={"n": 1}))
        with sqlite3.connect(store.path) as conn:  # occupy the history slot of version 2
            conn.execute(
                "INSERT INTO pystator_transitions SELECT entity_id, 2, machine, from_state, to_state, "
                "trigger, occurred_at, event_id, idempotency_key, context_changes, actions, "
                "actions_status, action_outcomes, metadata FROM pystator_transitions WHERE entity_id = 'e'"
            )
        with pytest.raises(StoreError, match="UNIQUE"):
            store.commit_transition(commit("e", 1, "b", context={"n": 2}))
        record = store.load_entity("e")
        assert record is not None
        assert (record.state, record.version, record.context) == ("a", 1, {"n": 1})


# ------------------------------------------------------------------------------------------ PostgreSQL


@pytest.fixture
async def fresh_database(postgres_dsn: str) -> AsyncIterator[str]:
    """An empty database next to the session's one, dropped afterwards."""
    name = f"pystator_fresh_{uuid.uuid4().hex[:10]}"
    admin = postgres_dsn.rsplit("/", 1)[0] + "/test"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield postgres_dsn.rsplit("/", 1)[0] + "/" + name
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_without_its_schema_says_how_to_create_it(fresh_database: str) -> None:
    store = PostgresStateStore(fresh_database, migrate=False, max_size=2)
    try:
        with pytest.raises(StoreError, match="pystator db upgrade"):
            await store.aload_entity("e")
        with pytest.raises(StoreError, match="pystator db upgrade"):
            store.load_entity("e")
    finally:
        await store.aclose()


@pytest.mark.postgres
async def test_postgres_migrates_itself_on_first_use(fresh_database: str) -> None:
    store = PostgresStateStore(fresh_database, max_size=2)
    try:
        await store.acommit_transition(commit("e", None, "a"))
        assert store.get_state("e") == "a"  # the sync side, on its own loop, sees the same data
    finally:
        await store.aclose()
    (stores,) = status(fresh_database, components=["stores"])
    assert stores.up_to_date


@pytest.mark.postgres
async def test_an_unreachable_postgres_is_a_store_error_without_the_password() -> None:
    store = PostgresStateStore("postgresql://app:secret@127.0.0.1:1/none", max_size=1)
    try:
        with pytest.raises(StoreError, match=r"127\.0\.0\.1:1") as refused:
            await store.aget_state("e")
        assert "secret" not in str(refused.value)
        assert "secret" not in repr(store)
    finally:
        await store.aclose()


@pytest.mark.postgres
async def test_postgres_sync_methods_work_from_any_thread_and_loop(postgres_dsn: str) -> None:
    store = PostgresStateStore(postgres_dsn, max_size=2)
    try:
        eid = f"threads-{uuid.uuid4().hex[:8]}"
        store.commit_transition(commit(eid, None, "a"))  # sync, from inside this running loop
        states = await asyncio.gather(*(asyncio.to_thread(store.get_state, eid) for _ in range(8)))
        assert states == ["a"] * 8
        assert await store.aget_state(eid) == "a"
    finally:
        await store.aclose()


@pytest.mark.postgres
async def test_a_closed_postgres_store_refuses_work(postgres_dsn: str) -> None:
    store = PostgresStateStore(postgres_dsn, max_size=1)
    store.set_state(f"closing-{uuid.uuid4().hex[:8]}", "a")
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        store.get_state("e")
    with pytest.raises(StoreError, match="closed"):
        await store.aget_state("e")


@pytest.mark.postgres
async def test_postgres_commit_is_one_statement(postgres_dsn: str) -> None:
    """The commit sends one statement: state, version check, history and key in a single round trip."""
    store = PostgresStateStore(postgres_dsn, max_size=1)
    try:
        eid = f"one-trip-{uuid.uuid4().hex[:8]}"
        await store.acommit_transition(commit(eid, None, "a"))
        pool = await store._pool()  # max_size=1: the commit below runs on this very connection
        sent: list[str] = []
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: sent.append(record.query))
        result = await store.acommit_transition(
            commit(eid, 1, "b", idempotency_key="k", actions=(PlannedAction("x"),))
        )
        assert result.transition.version == 2
        assert len(sent) == 1
    finally:
        await store.aclose()


# ----------------------------------------------------------------------------------------------- Redis


@pytest.mark.redis
async def test_redis_keeps_history_in_a_stream_under_the_prefix(redis_url: str, redis_prefix: str) -> None:
    store = RedisStateStore(redis_url, prefix=redis_prefix)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await store.acommit_transition(commit("e", None, "a", actions=(PlannedAction("x"),)))
        await store.acommit_transition(commit("e", 1, "b"))
        keys = set(client.scan_iter(match="*"))
        mine = {k for k in keys if k.startswith(redis_prefix)}
        assert f"{redis_prefix}e:e" in mine
        assert client.type(f"{redis_prefix}h:e") == "stream"
        assert client.xlen(f"{redis_prefix}h:e") == 2
        other = RedisStateStore(redis_url, prefix=redis_prefix + "other:")
        try:
            assert other.load_entity("e") is None  # another prefix, another store
        finally:
            other.close()
    finally:
        client.close()
        await store.aclose()


@pytest.mark.redis
async def test_a_corrupted_redis_version_refuses_the_commit_and_writes_nothing(
    redis_url: str, redis_prefix: str
) -> None:
    store = RedisStateStore(redis_url, prefix=redis_prefix)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        store.commit_transition(commit("e", None, "a", context={"n": 1}))
        client.hset(f"{redis_prefix}e:e", "version", "not-a-number")
        with pytest.raises(StoreError, match="version") as corrupted:
            store.commit_transition(commit("e", 1, "b"))
        assert corrupted.value.context["entity_id"] == "e"
        assert client.hget(f"{redis_prefix}e:e", "state") == "a"
        assert client.xlen(f"{redis_prefix}h:e") == 1
    finally:
        client.close()
        store.close()


@pytest.mark.redis
async def test_a_closed_redis_store_refuses_work(redis_url: str, redis_prefix: str) -> None:
    store = RedisStateStore(redis_url, prefix=redis_prefix)
    await store.aset_state("e", "a")
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        store.get_state("e")
    with pytest.raises(StoreError, match="closed"):
        await store.aget_state("e")


@pytest.mark.redis
def test_an_unreachable_redis_is_a_store_error() -> None:
    store = RedisStateStore("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        with pytest.raises(StoreError, match=r"127\.0\.0\.1:1"):
            store.get_state("e")
    finally:
        store.close()

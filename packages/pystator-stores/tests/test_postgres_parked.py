"""The PostgreSQL store's parked connection (one per loop, lent to whichever operation finds it
free): it never starves the pool, survives cancelled operations and lost connections, and is given
back when the store closes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from pystator.errors import StoreError
from pystator.stores import TransitionCommit
from pystator_stores.postgres import PostgresStateStore

pytestmark = pytest.mark.postgres


def commit(entity_id: str, expected: int | None, state: str) -> TransitionCommit:
    return TransitionCommit(entity_id, "m", expected, None, state, "go")


@pytest.fixture
async def database(postgres_dsn: str) -> AsyncIterator[str]:
    """A database of its own (a test below drops every connection to it)."""
    name = f"pystator_parked_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_dsn.rsplit("/", 1)[0] + "/test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_dsn.rsplit("/", 1)[0] + "/" + name
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_a_pool_of_one_connection_serves_concurrent_operations(database: str) -> None:
    store = PostgresStateStore(database, max_size=1)
    try:
        ids = [f"one-{i}" for i in range(20)]
        await asyncio.wait_for(
            asyncio.gather(*(store.acommit_transition(commit(i, None, "a")) for i in ids)), 30
        )
        loaded = await asyncio.wait_for(asyncio.gather(*(store.aload_entity(i) for i in ids)), 30)
        assert [record.version if record else None for record in loaded] == [1] * 20
        assert await store.aget_state("one-0") == "a"  # a plain pool operation after them all
    finally:
        await asyncio.wait_for(store.aclose(), 30)


async def test_operations_in_series_and_alongside_other_calls(database: str) -> None:
    store = PostgresStateStore(database, max_size=2)
    try:
        record = (await store.acommit_transition(commit("series", None, "a"))).entity
        for step in range(30):
            loaded = await store.aload_entity("series")
            assert loaded == record
            state = "b" if step % 2 == 0 else "a"
            record, history = await asyncio.gather(
                store.acommit_transition(commit("series", record.version, state)),
                store.ahistory("series"),
            )
            record = record.entity
            assert len(history) in (step + 1, step + 2)
        assert (await store.aget_state_versioned("series")) == (record.state, 31)
    finally:
        await asyncio.wait_for(store.aclose(), 30)


async def test_a_cancelled_commit_writes_nothing_and_the_store_goes_on(database: str) -> None:
    store = PostgresStateStore(database, max_size=2)
    admin = await asyncpg.connect(database)
    try:
        await store.acommit_transition(commit("held", None, "a"))
        locking = admin.transaction()
        await locking.start()
        await admin.execute("SELECT 1 FROM pystator_entities WHERE entity_id = 'held' FOR UPDATE")
        blocked = asyncio.ensure_future(store.acommit_transition(commit("held", 1, "b")))
        await asyncio.sleep(0.3)
        assert not blocked.done()  # waiting for the row lock, on the parked connection
        blocked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await blocked
        await locking.rollback()
        assert await asyncio.wait_for(store.aget_state_versioned("held"), 10) == ("a", 1)
        result = await asyncio.wait_for(store.acommit_transition(commit("held", 1, "b")), 10)
        assert result.entity.version == 2
    finally:
        await admin.close()
        await asyncio.wait_for(store.aclose(), 30)


async def test_the_store_recovers_when_the_server_drops_its_connections(database: str) -> None:
    store = PostgresStateStore(database, max_size=2)
    admin = await asyncpg.connect(database)
    try:
        await store.acommit_transition(commit("dropped", None, "a"))
        assert await store.aget_state("dropped") == "a"
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        states: list[object] = []
        for _ in range(3):  # an operation on a dropped connection fails; the next ones reconnect
            try:
                states.append(await asyncio.wait_for(store.aget_state("dropped"), 10))
            except Exception as exc:  # which error the driver raises then is its own affair
                states.append(exc)
        assert states[-2:] == ["a", "a"]
        assert (await store.aload_entity("dropped")) is not None
    finally:
        await admin.close()
        await asyncio.wait_for(store.aclose(), 30)


async def test_a_connection_dropped_while_idle_is_renewed_unnoticed(database: str) -> None:
    store = PostgresStateStore(database, max_size=2)
    admin = await asyncpg.connect(database)
    try:
        await store.acommit_transition(commit("idle", None, "a"))  # parks a connection
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await asyncio.sleep(0.5)  # the client sees the connections close while they sit idle
        assert await asyncio.wait_for(store.aget_state("idle"), 10) == "a"
        assert (await store.acommit_transition(commit("idle", 1, "b"))).entity.version == 2
    finally:
        await admin.close()
        await asyncio.wait_for(store.aclose(), 30)


async def test_closing_gives_back_the_parked_connections_of_both_sides(database: str) -> None:
    store = PostgresStateStore(database, max_size=2)
    await store.acommit_transition(commit("closing", None, "a"))  # parks on this loop's pool
    assert store.load_entity("closing") is not None  # parks on the sync side's private loop
    await asyncio.wait_for(store.aclose(), 30)  # would wait for the parked connections forever
    with pytest.raises(StoreError, match="closed"):
        await store.aget_state("closing")

"""Machine stores (in-memory, SQLite, PostgreSQL): versions, compare-and-set saves, concurrent saves,
deletion, listing; and the fleet queries' cursor."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from pystator.errors import StaleVersionError
from pystator.stores.machines import MachineStore
from pystator_stores.fleet import FeedCursor
from pystator_stores.machines import open_machine_store

CONFIG = {"meta": {"machine_name": "m"}, "states": [{"name": "a", "type": "initial"}], "transitions": []}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
        return
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    # A schema of its own: these tests store bare configurations ({}) that other packages' tests,
    # which share the session's database, would find in their listings.
    schema = f"ms_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(dsn, f"CREATE SCHEMA {schema}"))
    try:
        yield f"{dsn}?search_path={schema}"
    finally:
        asyncio.run(_admin(dsn, f"DROP SCHEMA {schema} CASCADE"))


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[MachineStore]:
    opened = open_machine_store(store_url)
    yield opened
    await opened.aclose()


@pytest.fixture
def mid() -> str:
    return "m" + uuid.uuid4().hex[:10]


async def test_versions(store: MachineStore, mid: str) -> None:
    assert await store.aget_machine(mid) is None
    first = await store.asave_machine(mid, source="a: 1", format="yaml", config=CONFIG, expected_version=0)
    assert (first.version, first.source, first.format, dict(first.config)) == (1, "a: 1", "yaml", CONFIG)
    assert first.created_at.tzinfo is not None
    second = await store.asave_machine(
        mid, source="{}", format="json", config={"x": [1, 2]}, expected_version=1, description="two"
    )
    assert second.version == 2
    assert await store.aversions(mid) == [1, 2]
    latest = await store.aget_machine(mid)
    assert latest is not None and (latest.version, latest.description, dict(latest.config)) == (
        2,
        "two",
        {"x": [1, 2]},
    )
    old = await store.aget_machine(mid, 1)
    assert old is not None and old.source == "a: 1"
    assert await store.aget_machine(mid, 3) is None
    unconditional = await store.asave_machine(
        mid, source="b", format="yaml", config={}, expected_version=None
    )
    assert unconditional.version == 3


async def test_compare_and_set(store: MachineStore, mid: str) -> None:
    with pytest.raises(StaleVersionError) as missing:
        await store.asave_machine(mid, source="", format="yaml", config={}, expected_version=1)
    assert missing.value.context["machine_id"] == mid
    assert await store.aversions(mid) == []
    await store.asave_machine(mid, source="", format="yaml", config={}, expected_version=0)
    with pytest.raises(StaleVersionError):
        await store.asave_machine(mid, source="", format="yaml", config={}, expected_version=0)
    with pytest.raises(StaleVersionError):
        await store.asave_machine(mid, source="", format="yaml", config={}, expected_version=5)
    assert await store.aversions(mid) == [1]


async def test_concurrent_saves_of_one_version_commit_once(store: MachineStore, mid: str) -> None:
    await store.asave_machine(mid, source="", format="yaml", config={}, expected_version=0)
    outcomes = await asyncio.gather(
        *(
            store.asave_machine(mid, source=str(n), format="yaml", config={}, expected_version=1)
            for n in range(6)
        ),
        return_exceptions=True,
    )
    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 1
    assert all(isinstance(o, StaleVersionError) for o in outcomes if isinstance(o, BaseException))
    assert await store.aversions(mid) == [1, 2]


async def test_list_and_delete(store: MachineStore, mid: str) -> None:
    await store.asave_machine(mid + "b", source="", format="yaml", config={}, expected_version=0)
    await store.asave_machine(mid + "a", source="", format="yaml", config={}, expected_version=0)
    await store.asave_machine(mid + "a", source="", format="yaml", config={}, expected_version=1)
    mine = [m for m in await store.alist_machines() if m.machine_id.startswith(mid)]
    assert [(m.machine_id, m.version) for m in mine] == [(mid + "a", 2), (mid + "b", 1)]
    assert await store.adelete_machine(mid + "a") is True
    assert await store.adelete_machine(mid + "a") is False
    assert await store.aget_machine(mid + "a") is None
    await store.aping()


@pytest.mark.parametrize("bad", ["", "-x", "a b", "x" * 129])
async def test_invalid_ids(store: MachineStore, bad: str) -> None:
    with pytest.raises(ValueError, match="machine_id"):
        await store.asave_machine(bad, source="", format="yaml", config={})


def test_feed_cursor_round_trip() -> None:
    cursor = FeedCursor(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "entity|with|bars", 7)
    assert FeedCursor.decode(cursor.encode()) == cursor
    for garbage in ("", "!!", "bm90IGEgY3Vyc29y"):
        with pytest.raises(ValueError, match="cursor"):
            FeedCursor.decode(garbage)

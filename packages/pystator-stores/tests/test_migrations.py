"""The versioned migration runner on SQLite and on the real PostgreSQL: idempotent, per component,
atomic per step, refusing a schema newer than the code, and safe when several upgraders race."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from pystator.errors import StoreError
from pystator_stores.migrations import (
    Migration,
    MigrationSet,
    astatus,
    aupgrade,
    register,
    registered,
    status,
    unregister,
    upgrade,
)
from pystator_stores.schema import MIGRATIONS


def steps(table: str, count: int) -> tuple[Migration, ...]:
    """``count`` steps: the first creates ``table``, each later one adds a column."""
    found = []
    for version in range(1, count + 1):
        if version == 1:
            sqlite = pg = f"CREATE TABLE {table} (id integer PRIMARY KEY)"
        else:
            sqlite = pg = f"ALTER TABLE {table} ADD COLUMN c{version} integer"
        found.append(Migration(version, f"step {version}", (sqlite,), (pg,)))
    return tuple(found)


@pytest.fixture
def component() -> Iterator[str]:
    """A fresh component name; its registration is removed afterwards."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    if name in registered():
        unregister(name)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return str(request.getfixturevalue("postgres_dsn"))


def test_the_stores_component_is_registered_through_its_entry_point() -> None:
    assert registered()["stores"] is MIGRATIONS
    assert MIGRATIONS.latest >= 1


def test_a_migration_set_must_number_its_steps_from_one() -> None:
    with pytest.raises(ValueError, match="versions must be 1, 2, 3"):
        MigrationSet("demo", (Migration(2, "two", (), ()),))
    with pytest.raises(ValueError, match="component"):
        MigrationSet("Bad-Name", ())


def test_upgrade_applies_each_step_once_and_reports_status(db_url: str, component: str) -> None:
    table = f"{component}_items"
    register(MigrationSet(component, steps(table, 2)))
    (before,) = status(db_url, components=[component])
    assert (before.current, before.latest, before.pending) == (0, 2, (1, 2))
    applied = upgrade(db_url, components=[component])
    assert [(a.component, a.version) for a in applied] == [(component, 1), (component, 2)]
    assert all(a.applied_at.tzinfo is not None for a in applied)
    assert upgrade(db_url, components=[component]) == []
    register(MigrationSet(component, steps(table, 3)))  # a newer release adds a step
    assert [a.version for a in upgrade(db_url, components=[component])] == [3]
    (after,) = status(db_url, components=[component])
    assert after.up_to_date
    assert (after.current, after.pending) == (3, ())


def test_a_failing_step_leaves_nothing_behind(db_url: str, component: str) -> None:
    table = f"{component}_items"
    statements = (f"CREATE TABLE {table} (id integer)", "NOT SQL AT ALL")
    register(MigrationSet(component, (Migration(1, "broken", statements, statements),)))
    with pytest.raises(StoreError, match=rf"migration {component} 1 \(broken\) failed.*(?i:syntax)"):
        upgrade(db_url, components=[component])
    (state,) = status(db_url, components=[component])
    assert state.current == 0
    register(MigrationSet(component, steps(table, 1)))  # the fixed release: the table did not survive
    assert [a.version for a in upgrade(db_url, components=[component])] == [1]


def test_a_schema_newer_than_the_code_is_refused(db_url: str, component: str) -> None:
    table = f"{component}_items"
    register(MigrationSet(component, steps(table, 3)))
    upgrade(db_url, components=[component])
    register(MigrationSet(component, steps(table, 2)))  # an older release of the code
    with pytest.raises(StoreError, match="newer than this code knows"):
        upgrade(db_url, components=[component])


def test_unknown_components_and_urls_are_clear_errors(db_url: str) -> None:
    with pytest.raises(ValueError, match="unknown migration component 'nope'"):
        upgrade(db_url, components=["nope"])
    with pytest.raises(ValueError, match="redis:// needs none"):
        upgrade("redis://127.0.0.1:6379/0")


def test_upgrade_without_components_brings_every_registered_one(db_url: str, component: str) -> None:
    register(MigrationSet(component, steps(f"{component}_items", 1)))
    upgrade(db_url)
    current = {s.component: s for s in status(db_url)}
    assert current["stores"].up_to_date
    assert current[component].up_to_date


async def test_async_entry_points(db_url: str, component: str) -> None:
    register(MigrationSet(component, steps(f"{component}_items", 2)))
    assert [a.version for a in await aupgrade(db_url, components=[component])] == [1, 2]
    (state,) = await astatus(db_url, components=[component])
    assert state.up_to_date
    assert upgrade(db_url, components=[component]) == []  # the sync one from inside a running loop


def test_concurrent_upgraders_apply_each_step_exactly_once(db_url: str, component: str) -> None:
    register(MigrationSet(component, steps(f"{component}_items", 4)))
    barrier = threading.Barrier(8)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append([a.version for a in upgrade(db_url, components=[component])])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(v for applied in results for v in applied) == [1, 2, 3, 4]
    assert _recorded_versions(db_url, component) == [1, 2, 3, 4]


def _recorded_versions(db_url: str, component: str) -> list[int]:
    sql = "SELECT version FROM pystator_schema_migrations WHERE component = {} ORDER BY version"
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(sql.format("?"), (component,))]

    async def fetch() -> list[int]:
        conn = await asyncpg.connect(db_url)
        try:
            return [row[0] for row in await conn.fetch(sql.format("$1"), component)]
        finally:
            await conn.close()

    return asyncio.run(fetch())

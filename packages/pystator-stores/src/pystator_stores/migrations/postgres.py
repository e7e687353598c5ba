"""Apply migration sets to PostgreSQL through asyncpg, under an advisory lock.

Two processes upgrading at once serialise on ``pg_advisory_lock``; the second finds the steps
already recorded and does nothing. Each step and its record commit in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pystator.errors import StoreError
from pystator_stores._asyncpg import asyncpg
from pystator_stores.migrations.model import AppliedMigration, ComponentStatus, MigrationSet, step_failed

__all__ = ["MIGRATION_LOCK_KEY", "postgres_status", "postgres_upgrade"]

# A fixed advisory-lock key shared by every PyStator process: the bytes of "pystator".
MIGRATION_LOCK_KEY = int.from_bytes(b"pystator", "big")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS pystator_schema_migrations (
    component   text        NOT NULL,
    version     integer     NOT NULL,
    description text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
)
"""


async def _current(conn: asyncpg.Connection, component: str) -> int:
    value = await conn.fetchval(
        "SELECT COALESCE(MAX(version), 0) FROM pystator_schema_migrations WHERE component = $1", component
    )
    return int(value)


async def postgres_upgrade(conn: asyncpg.Connection, sets: Sequence[MigrationSet]) -> list[AppliedMigration]:
    applied: list[AppliedMigration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        for migration_set in sets:
            current = await _current(conn, migration_set.component)
            if current > migration_set.latest:
                raise StoreError(
                    f"the database schema of component {migration_set.component!r} is at version {current}, "
                    f"newer than this code knows ({migration_set.latest}): upgrade the PyStator packages",
                    context={
                        "component": migration_set.component,
                        "current": current,
                        "latest": migration_set.latest,
                    },
                )
            for migration in migration_set.migrations[current:]:
                try:
                    async with conn.transaction():
                        for statement in migration.postgresql:
                            await conn.execute(statement)
                        applied_at: datetime = await conn.fetchval(
                            "INSERT INTO pystator_schema_migrations (component, version, description) "
                            "VALUES ($1, $2, $3) RETURNING applied_at",
                            migration_set.component,
                            migration.version,
                            migration.description,
                        )
                except asyncpg.PostgresError as exc:
                    raise step_failed(migration_set.component, migration, exc) from exc
                applied.append(
                    AppliedMigration(
                        migration_set.component, migration.version, migration.description, applied_at
                    )
                )
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return applied


async def postgres_status(conn: asyncpg.Connection, sets: Sequence[MigrationSet]) -> list[ComponentStatus]:
    exists = await conn.fetchval("SELECT to_regclass('pystator_schema_migrations') IS NOT NULL")
    statuses = []
    for migration_set in sets:
        current = await _current(conn, migration_set.component) if exists else 0
        pending = tuple(m.version for m in migration_set.migrations if m.version > current)
        statuses.append(ComponentStatus(migration_set.component, current, migration_set.latest, pending))
    return statuses

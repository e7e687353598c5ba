"""Apply migration sets to a SQLite database (one ``BEGIN IMMEDIATE`` transaction per step)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from pystator.errors import StoreError
from pystator_stores.migrations.model import AppliedMigration, ComponentStatus, MigrationSet, step_failed

__all__ = ["sqlite_status", "sqlite_upgrade"]

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS pystator_schema_migrations (
    component   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL,
    PRIMARY KEY (component, version)
)
"""


def _current(conn: sqlite3.Connection, component: str) -> int:
    row = conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM pystator_schema_migrations WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0])


def _table_exists(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pystator_schema_migrations'"
    ).fetchone()
    return row is not None


def _check_not_ahead(component: str, current: int, latest: int) -> None:
    if current > latest:
        raise StoreError(
            f"the database schema of component {component!r} is at version {current}, newer than this "
            f"code knows ({latest}): upgrade the PyStator packages instead",
            context={"component": component, "current": current, "latest": latest},
        )


def sqlite_upgrade(conn: sqlite3.Connection, sets: Sequence[MigrationSet]) -> list[AppliedMigration]:
    """Apply every pending step; each in its own write transaction, so concurrent upgraders queue up."""
    if conn.in_transaction:
        raise StoreError("sqlite_upgrade needs a connection outside any transaction")
    conn.execute(_CREATE_TABLE)
    applied: list[AppliedMigration] = []
    for migration_set in sets:
        for migration in migration_set.migrations:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = _current(conn, migration_set.component)
                _check_not_ahead(migration_set.component, current, migration_set.latest)
                if current >= migration.version:
                    conn.execute("COMMIT")
                    continue
                for statement in migration.sqlite:
                    try:
                        conn.execute(statement)
                    except sqlite3.Error as exc:
                        raise step_failed(migration_set.component, migration, exc) from exc
                now = datetime.now(UTC)
                conn.execute(
                    "INSERT INTO pystator_schema_migrations (component, version, description, applied_at) "
                    "VALUES (?, ?, ?, ?)",
                    (migration_set.component, migration.version, migration.description, now.isoformat()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            applied.append(
                AppliedMigration(migration_set.component, migration.version, migration.description, now)
            )
    return applied


def sqlite_status(conn: sqlite3.Connection, sets: Sequence[MigrationSet]) -> list[ComponentStatus]:
    exists = _table_exists(conn)
    statuses = []
    for migration_set in sets:
        current = _current(conn, migration_set.component) if exists else 0
        pending = tuple(m.version for m in migration_set.migrations if m.version > current)
        statuses.append(ComponentStatus(migration_set.component, current, migration_set.latest, pending))
    return statuses

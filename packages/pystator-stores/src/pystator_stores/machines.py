"""Machine definitions with versions on SQLite and PostgreSQL (``pystator.stores.machines.MachineStore``).

``open_machine_store(url)`` takes the same URLs as ``open_store``; the ``machines`` migration
component (``pystator_machines``: one row per ``(machine_id, version)``) is applied when the store is
first used unless ``migrate=False``. The primary key makes two concurrent saves of the same version
impossible: the loser gets ``StaleVersionError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pystator.stores import codec
from pystator.stores.machines import (
    InMemoryMachineStore,
    MachineFormat,
    MachineStore,
    MachineVersion,
    check_machine_id,
    machine_conflict,
)
from pystator_stores._sql import PostgresDatabase, SQLiteDatabase
from pystator_stores.migrations.model import Migration, MigrationSet
from pystator_stores.urls import parse_store_url

__all__ = ["MIGRATIONS", "PostgresMachineStore", "SQLiteMachineStore", "open_machine_store"]

MIGRATIONS = MigrationSet(
    component="machines",
    migrations=(
        Migration(
            version=1,
            description="machine definitions with versions",
            sqlite=(
                """
                CREATE TABLE pystator_machines (
                    machine_id  TEXT    NOT NULL,
                    version     INTEGER NOT NULL,
                    format      TEXT    NOT NULL,
                    source      TEXT    NOT NULL,
                    config      TEXT    NOT NULL,
                    description TEXT    NOT NULL DEFAULT '',
                    metadata    TEXT    NOT NULL DEFAULT '{}',
                    created_at  TEXT    NOT NULL,
                    PRIMARY KEY (machine_id, version)
                )
                """,
            ),
            postgresql=(
                """
                CREATE TABLE pystator_machines (
                    machine_id  text        NOT NULL,
                    version     integer     NOT NULL,
                    format      text        NOT NULL,
                    source      text        NOT NULL,
                    config      jsonb       NOT NULL,
                    description text        NOT NULL DEFAULT '',
                    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
                    created_at  timestamptz NOT NULL,
                    PRIMARY KEY (machine_id, version)
                )
                """,
            ),
        ),
    ),
)

_COLUMNS = "machine_id, version, format, source, config, description, metadata, created_at"


def _row(row: Any) -> MachineVersion:
    machine_id, version, fmt, source, config, description, metadata, created_at = tuple(row)
    return MachineVersion(
        machine_id=machine_id,
        version=int(version),
        source=source,
        format=fmt,
        config=json.loads(config),
        created_at=codec.decode_timestamp(created_at, entity_id=machine_id, column="created_at"),
        description=description,
        metadata=json.loads(metadata),
    )


class SQLiteMachineStore:
    """``MachineStore`` on a SQLite file (the embedded default shares ``pystator.db``)."""

    def __init__(self, path: str, *, migrate: bool = True) -> None:
        self._db = SQLiteDatabase(path, migrations=MIGRATIONS if migrate else None)

    def __repr__(self) -> str:
        return f"SQLiteMachineStore({self._db.path!r})"

    async def alist_machines(self) -> list[MachineVersion]:
        sql = (
            f"SELECT {_COLUMNS} FROM pystator_machines m WHERE version = "
            "(SELECT max(version) FROM pystator_machines WHERE machine_id = m.machine_id) ORDER BY machine_id"
        )
        rows = await self._db.read(lambda c: c.execute(sql).fetchall())
        return [_row(r) for r in rows]

    async def aget_machine(self, machine_id: str, version: int | None = None) -> MachineVersion | None:
        if version is None:
            sql = (
                f"SELECT {_COLUMNS} FROM pystator_machines WHERE machine_id = ? ORDER BY version DESC LIMIT 1"
            )
            args: tuple[Any, ...] = (machine_id,)
        else:
            sql = f"SELECT {_COLUMNS} FROM pystator_machines WHERE machine_id = ? AND version = ?"
            args = (machine_id, version)
        row = await self._db.read(lambda c: c.execute(sql, args).fetchone())
        return None if row is None else _row(row)

    async def aversions(self, machine_id: str) -> list[int]:
        sql = "SELECT version FROM pystator_machines WHERE machine_id = ? ORDER BY version"
        rows = await self._db.read(lambda c: c.execute(sql, (machine_id,)).fetchall())
        return [int(r[0]) for r in rows]

    async def asave_machine(
        self,
        machine_id: str,
        *,
        source: str,
        format: MachineFormat,
        config: Mapping[str, Any],
        expected_version: int | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> MachineVersion:
        check_machine_id(machine_id)
        created_at = datetime.now(UTC)
        config_text = codec.encode_json(dict(config), field="config")
        metadata_text = codec.encode_json(dict(metadata or {}), field="metadata")

        def save(conn: Any) -> int:
            (latest,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM pystator_machines WHERE machine_id = ?", (machine_id,)
            ).fetchone()
            if expected_version is not None and expected_version != latest:
                raise machine_conflict(machine_id, expected_version, latest)
            conn.execute(
                f"INSERT INTO pystator_machines ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    machine_id,
                    latest + 1,
                    format,
                    source,
                    config_text,
                    description,
                    metadata_text,
                    codec.encode_timestamp(created_at),
                ),
            )
            return int(latest) + 1

        version = await self._db.write(save)
        return MachineVersion(
            machine_id=machine_id,
            version=version,
            source=source,
            format=format,
            config=json.loads(config_text),
            created_at=created_at,
            description=description,
            metadata=json.loads(metadata_text),
        )

    async def adelete_machine(self, machine_id: str) -> bool:
        def delete(conn: Any) -> bool:
            cursor = conn.execute("DELETE FROM pystator_machines WHERE machine_id = ?", (machine_id,))
            return bool(cursor.rowcount)

        return await self._db.write(delete)

    async def aping(self) -> None:
        await self._db.read(lambda c: c.execute("SELECT 1 FROM pystator_machines LIMIT 1").fetchall())

    async def aclose(self) -> None:
        await self._db.aclose()


class PostgresMachineStore:
    """``MachineStore`` on PostgreSQL; use it from one event loop."""

    def __init__(self, dsn: str, *, migrate: bool = True, max_size: int = 4) -> None:
        self._db = PostgresDatabase(dsn, migrations=MIGRATIONS if migrate else None, max_size=max_size)

    def __repr__(self) -> str:
        return "PostgresMachineStore()"

    async def alist_machines(self) -> list[MachineVersion]:
        rows = await self._db.fetch(
            f"SELECT DISTINCT ON (machine_id) {_COLUMNS} FROM pystator_machines "
            "ORDER BY machine_id, version DESC"
        )
        return [_row(r) for r in rows]

    async def aget_machine(self, machine_id: str, version: int | None = None) -> MachineVersion | None:
        if version is None:
            rows = await self._db.fetch(
                f"SELECT {_COLUMNS} FROM pystator_machines WHERE machine_id = $1 "
                "ORDER BY version DESC LIMIT 1",
                machine_id,
            )
        else:
            if not -(2**31) <= version < 2**31:
                return None
            rows = await self._db.fetch(
                f"SELECT {_COLUMNS} FROM pystator_machines WHERE machine_id = $1 AND version = $2",
                machine_id,
                version,
            )
        return _row(rows[0]) if rows else None

    async def aversions(self, machine_id: str) -> list[int]:
        rows = await self._db.fetch(
            "SELECT version FROM pystator_machines WHERE machine_id = $1 ORDER BY version", machine_id
        )
        return [int(r[0]) for r in rows]

    async def asave_machine(
        self,
        machine_id: str,
        *,
        source: str,
        format: MachineFormat,
        config: Mapping[str, Any],
        expected_version: int | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> MachineVersion:
        check_machine_id(machine_id)
        config_text = codec.encode_json(dict(config), field="config")
        metadata_text = codec.encode_json(dict(metadata or {}), field="metadata")
        async with self._db.transaction() as conn:
            # Serialise saves of one machine id (a new id has no row to lock yet).
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext('pystator_machines:' || $1))", machine_id
            )
            latest = int(
                await conn.fetchval(
                    "SELECT coalesce(max(version), 0) FROM pystator_machines WHERE machine_id = $1",
                    machine_id,
                )
            )
            if expected_version is not None and expected_version != latest:
                raise machine_conflict(machine_id, expected_version, latest)
            row = await conn.fetchrow(
                f"INSERT INTO pystator_machines ({_COLUMNS}) "
                "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, now()) "
                f"RETURNING {_COLUMNS}",
                machine_id,
                latest + 1,
                format,
                source,
                config_text,
                description,
                metadata_text,
            )
        return _row(row)

    async def adelete_machine(self, machine_id: str) -> bool:
        status = await self._db.execute("DELETE FROM pystator_machines WHERE machine_id = $1", machine_id)
        return status != "DELETE 0"

    async def aping(self) -> None:
        await self._db.fetch("SELECT 1 FROM pystator_machines LIMIT 1")

    async def aclose(self) -> None:
        await self._db.aclose()


def open_machine_store(url: str, *, migrate: bool = True) -> MachineStore:
    """The machine store a database URL names (``memory://``, ``sqlite:///...``, ``postgresql://...``)."""
    parsed = parse_store_url(url)
    if parsed.backend == "memory":
        return InMemoryMachineStore()
    if parsed.backend == "sqlite":
        return SQLiteMachineStore(parsed.target, migrate=migrate)
    if parsed.backend == "postgresql":
        return PostgresMachineStore(parsed.target, migrate=migrate)
    raise ValueError(f"machine definitions need a SQL database (sqlite:// or postgresql://), got {url!r}")

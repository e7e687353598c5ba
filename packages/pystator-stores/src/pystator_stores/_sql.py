"""Small async access to SQLite (a thread per call, one connection per thread) and to PostgreSQL
(one asyncpg pool opened on first use), shared by the machine store and the fleet queries.

A ``PostgresDatabase`` belongs to the event loop that first used it (the API server's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pystator.errors import StoreError
from pystator_stores.migrations.model import MigrationSet
from pystator_stores.migrations.sqlite import sqlite_upgrade

__all__ = ["PostgresDatabase", "SQLiteDatabase"]

T = TypeVar("T")


class SQLiteDatabase:
    """Runs functions of a ``sqlite3.Connection`` on a private thread pool (WAL, ``BEGIN IMMEDIATE``
    for writes)."""

    def __init__(self, path: str | os.PathLike[str], *, migrations: MigrationSet | None = None) -> None:
        self.path = os.fspath(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pystator-sqlite-aux")
        self._closed = False
        if migrations is not None:
            with self.translated():
                sqlite_upgrade(self._conn(), [migrations])

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError(f"{self.path}: the database is closed")
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self.translated():
            return fn(self._conn())

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self.translated():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                value = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return value

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._read, fn)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one write transaction: committed when it returns, rolled back when it raises."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._write, fn)

    async def aclose(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class PostgresDatabase:
    """An asyncpg pool opened (and the schema upgraded) on first use."""

    def __init__(self, dsn: str, *, migrations: MigrationSet | None = None, max_size: int = 4) -> None:
        self.dsn = dsn
        self._migrations = migrations
        self._max_size = max_size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                from pystator_stores._asyncpg import asyncpg
                from pystator_stores.migrations.postgres import postgres_upgrade

                with self.translated():
                    pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self._max_size)
                    if self._migrations is not None:
                        async with pool.acquire() as conn:
                            await postgres_upgrade(conn, [self._migrations])
                self._pool = pool
        return self._pool

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        from pystator_stores._asyncpg import asyncpg

        try:
            yield
        except asyncpg.PostgresError as exc:
            raise StoreError(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc
        except (OSError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        pool = await self.pool()
        with self.translated():
            return list(await pool.fetch(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        pool = await self.pool()
        with self.translated():
            status: str = await pool.execute(sql, *args)
            return status

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        pool = await self.pool()
        with self.translated():
            async with pool.acquire() as conn, conn.transaction():
                yield conn

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

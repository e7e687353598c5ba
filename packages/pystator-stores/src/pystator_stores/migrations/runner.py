"""``upgrade(url)`` and ``status(url)``: the entry points ``pystator db upgrade`` calls."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from pystator_stores.migrations.model import AppliedMigration, ComponentStatus
from pystator_stores.migrations.registry import select
from pystator_stores.migrations.sqlite import sqlite_status, sqlite_upgrade
from pystator_stores.urls import parse_store_url

__all__ = ["astatus", "aupgrade", "status", "upgrade"]

T = TypeVar("T")


def upgrade(url: str, *, components: Iterable[str] | None = None) -> list[AppliedMigration]:
    """Bring the schema of every component (or of ``components``) to its latest version.

    Idempotent, and safe when several processes run it at once. Returns the steps it applied.
    """
    parsed = _sql_url(url)
    sets = select(components)
    if parsed.backend == "sqlite":
        with _sqlite_connection(parsed.target) as conn:
            return sqlite_upgrade(conn, sets)
    return _run(lambda: _postgres(parsed.target, "upgrade", components))


def status(url: str, *, components: Iterable[str] | None = None) -> list[ComponentStatus]:
    parsed = _sql_url(url)
    sets = select(components)
    if parsed.backend == "sqlite":
        with _sqlite_connection(parsed.target) as conn:
            return sqlite_status(conn, sets)
    return _run(lambda: _postgres(parsed.target, "status", components))


async def aupgrade(url: str, *, components: Iterable[str] | None = None) -> list[AppliedMigration]:
    parsed = _sql_url(url)
    if parsed.backend == "sqlite":
        return await asyncio.to_thread(upgrade, url, components=components)
    result: list[AppliedMigration] = await _postgres(parsed.target, "upgrade", components)
    return result


async def astatus(url: str, *, components: Iterable[str] | None = None) -> list[ComponentStatus]:
    parsed = _sql_url(url)
    if parsed.backend == "sqlite":
        return await asyncio.to_thread(status, url, components=components)
    result: list[ComponentStatus] = await _postgres(parsed.target, "status", components)
    return result


def _sql_url(url: str) -> Any:
    parsed = parse_store_url(url)
    if parsed.backend not in ("sqlite", "postgresql"):
        raise ValueError(
            "schema migrations apply to sqlite:// and postgresql:// databases; "
            f"{parsed.backend}:// needs none"
        )
    return parsed


@contextlib.contextmanager
def _sqlite_connection(path: str) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


async def _postgres(dsn: str, what: str, components: Iterable[str] | None) -> Any:
    from pystator_stores._asyncpg import asyncpg
    from pystator_stores.migrations.postgres import postgres_status, postgres_upgrade

    sets = select(components)
    conn = await asyncpg.connect(dsn)
    try:
        if what == "upgrade":
            return await postgres_upgrade(conn, sets)
        return await postgres_status(conn, sets)
    finally:
        await conn.close()


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, also when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="pystator-migrations")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result

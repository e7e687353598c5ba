"""``Parked``: one pool connection kept checked out for the operations of one event loop.

Taking a connection from an asyncpg pool and giving it back costs about as much as a query on a
local server: the release runs as a separate task (one more loop iteration) and arms an idle timer.
An entity processed in series pays it on every load and every commit. A ``Parked`` keeps one
connection of the pool checked out and lends it to whichever operation of its loop finds it free;
an operation that finds it lent takes a connection from the pool as before. The pool still bounds
the number of connections (the parked one is one of them), so the store never parks on a pool of
one connection: an operation that found that one lent would wait for the pool forever.

An operation that fails other than with an error of the server or of the store (cancelled, timed
out, connection lost) gives the connection back to the pool, which cleans it up or replaces it; the
next operation parks another one; so does one that finds the parked connection closed (the server
dropped it while it sat idle). Unlike a pooled connection, the parked one is neither replaced after
the pool's ``max_queries`` nor closed after ``max_inactive_connection_lifetime``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pystator_stores._asyncpg import asyncpg

__all__ = ["Parked"]

T = TypeVar("T")


class Parked:
    """The parked connection of one event loop (see the module docstring); not thread-safe."""

    def __init__(self) -> None:
        self._conn: Any = None
        self._lent = False
        self._closing = False

    def closing(self) -> bool:
        return self._closing

    async def run(self, pool: asyncpg.Pool, operation: Callable[[Any], Awaitable[T]]) -> T:
        """``operation(connection)`` on the parked connection when it is free, else on a pooled one."""
        if self._lent or self.closing():
            async with pool.acquire() as conn:
                return await operation(conn)
        self._lent = True
        try:
            conn = self._conn
            if conn is not None and _dropped(conn):  # lost while parked: renew it, as the pool would
                self._conn = None
                await pool.release(conn)
                conn = None
            if conn is None:
                conn = self._conn = await pool.acquire()
            try:
                return await operation(conn)
            except BaseException as exc:
                if _unusable(exc) or _dropped(conn):
                    self._conn = None
                    await pool.release(conn)
                raise
        finally:
            self._lent = False
            if self.closing():  # release() was called while the connection was lent
                await self.release(pool)

    async def release(self, pool: asyncpg.Pool) -> None:
        """Give the parked connection back to ``pool`` and park no more (a closing pool waits for
        its connections); if it is lent, the operation that holds it gives it back when done."""
        self._closing = True
        if not self._lent:
            conn, self._conn = self._conn, None
            if conn is not None:
                await pool.release(conn)


def _unusable(exc: BaseException) -> bool:
    """Whether a connection may be mid-query or broken after ``exc`` (not a plain refusal)."""
    return not isinstance(exc, Exception) or isinstance(
        exc, asyncpg.InterfaceError | asyncpg.PostgresConnectionError | OSError
    )


def _dropped(conn: Any) -> bool:
    """Whether the connection is closed (asyncpg then gives a lost connection back to its pool
    itself, and its proxy refuses every call: giving it back again does nothing)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True

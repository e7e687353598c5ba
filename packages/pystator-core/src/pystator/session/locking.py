"""Serialising work on one session: a lock shared by threads and event loops, and re-entry detection.

One ``threading.Lock`` orders every change. Synchronous callers block on it. Async callers first
queue on an ``asyncio.Lock`` of their own event loop (so tasks wait without polling), then take the
thread lock without blocking the loop: at once when it is free, else by retrying with a short,
growing pause (only while another *thread* holds it).

Re-entry (an action or hook calling ``send`` on the session whose ``send`` is running it) is seen
through a context variable, which follows the call into actions, awaited coroutines, tasks they
create and ``asyncio.to_thread`` calls; such a call must be queued, not wait for the lock.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

__all__ = ["SessionLock"]

_IN_PROGRESS: ContextVar[frozenset[int]] = ContextVar("pystator_sessions_in_progress", default=frozenset())

_MIN_PAUSE = 0.0005
_MAX_PAUSE = 0.01


class SessionLock:
    __slots__ = ("__weakref__", "_guard", "_key", "_lock", "_loop_locks")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._key = id(self)

    @property
    def reentered(self) -> bool:
        """True when called from inside work that holds this lock (same thread, task or callee)."""
        return self._key in _IN_PROGRESS.get()

    def acquire(self) -> Token[frozenset[int]]:
        """Block until this thread holds the lock; pass the token to ``release``."""
        self._lock.acquire()
        try:
            return _IN_PROGRESS.set(_IN_PROGRESS.get() | {self._key})
        except BaseException:
            self._lock.release()
            raise

    def release(self, token: Token[frozenset[int]]) -> None:
        _IN_PROGRESS.reset(token)
        self._lock.release()

    @contextmanager
    def hold(self) -> Iterator[None]:
        token = self.acquire()
        try:
            yield
        finally:
            self.release(token)

    @asynccontextmanager
    async def ahold(self) -> AsyncIterator[None]:
        import asyncio  # not at module level: ``import pystator`` stays light

        async with self._loop_lock():
            pause = _MIN_PAUSE
            while not self._lock.acquire(blocking=False):
                await asyncio.sleep(pause)
                pause = min(pause * 2, _MAX_PAUSE)
            token = _IN_PROGRESS.set(_IN_PROGRESS.get() | {self._key})
            try:
                yield
            finally:
                _IN_PROGRESS.reset(token)
                self._lock.release()

    def _loop_lock(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

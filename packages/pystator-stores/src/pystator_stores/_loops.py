"""Event-loop plumbing for async-native stores.

``LoopThread`` runs a private event loop on a daemon thread so that the sync methods of an
async-native store can run its coroutines from any thread (including one that runs a loop of its
own). ``PerLoop`` keeps one resource (a connection pool, a client) per event loop, because asyncio
connections belong to the loop that opened them.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

__all__ = ["LoopThread", "PerLoop"]

T = TypeVar("T")
R = TypeVar("R")


class LoopThread:
    """A private event loop on a daemon thread, started on first use."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=serve, name=self._name, daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the private loop and wait for its result (never call from that loop)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError(f"{self._name}: a sync store method was called from the store's own loop")
        return self.submit(coro).result()

    @property
    def started(self) -> bool:
        return self._loop is not None

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


class LoopLocal(Generic[R]):
    """One value per running event loop, made synchronously on first use and dropped with its loop."""

    def __init__(self, create: Callable[[], R]) -> None:
        self._create = create
        self._lock = threading.Lock()
        self._values: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, R] = weakref.WeakKeyDictionary()

    def get(self) -> R:
        loop = asyncio.get_running_loop()
        value = self._values.get(loop)
        if value is None:
            with self._lock:
                value = self._values.get(loop)
                if value is None:
                    value = self._values[loop] = self._create()
        return value


class PerLoop(Generic[R]):
    """One resource per event loop, created once (concurrent first users share the creation)."""

    def __init__(self, create: Callable[[], Awaitable[R]]) -> None:
        self._create = create
        self._lock = threading.Lock()
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Future[R]] = {}

    async def get(self) -> R:
        loop = asyncio.get_running_loop()
        ready = self._tasks.get(loop)
        if ready is not None and ready.done() and not ready.cancelled() and ready.exception() is None:
            return ready.result()  # the common case: no lock, no shield, no new future
        with self._lock:
            task = self._tasks.get(loop)
            if task is None:
                task = asyncio.ensure_future(self._create())
                self._tasks[loop] = task
        try:
            return await asyncio.shield(task)
        except Exception:
            if task.done() and not task.cancelled() and task.exception() is not None:
                with self._lock:  # a failed creation is forgotten, so that the next call tries again
                    if self._tasks.get(loop) is task:
                        del self._tasks[loop]
            raise

    def take_all(self) -> dict[asyncio.AbstractEventLoop, asyncio.Future[R]]:
        """Remove and return every loop's resource future (for closing)."""
        with self._lock:
            tasks, self._tasks = self._tasks, {}
        return tasks

    def take(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[R] | None:
        with self._lock:
            return self._tasks.pop(loop, None)

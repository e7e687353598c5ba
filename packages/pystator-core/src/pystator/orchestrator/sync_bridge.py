"""Running the Orchestrator's asynchronous timer work from its synchronous ``process_event``.

Schedulers are asynchronous. Called from code running in an event loop, ``process_event`` hands the
timer work to that loop as a task (``close()`` waits for it); called from plain synchronous code, it
runs the work to completion on a private event loop, which suits durable schedulers (Redis, Celery).
An ``AsyncioScheduler``'s timers live on the loop that armed them, so without a running loop they
could never fire: that call is refused before anything is written. Threads calling
``process_event`` at once take turns on the private loop (a client bound to it stays on it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from pystator.errors import FSMError

if TYPE_CHECKING:
    import asyncio

__all__ = ["SyncBridge"]

logger = logging.getLogger("pystator.orchestrator")


class SyncBridge:
    def __init__(self) -> None:
        self.background: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @staticmethod
    def check_loop_for(scheduler: object) -> None:
        import asyncio

        from pystator.scheduler.asyncio_scheduler import AsyncioScheduler

        if not isinstance(scheduler, AsyncioScheduler):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise FSMError(
                "AsyncioScheduler timers need a running event loop: call async_process_event() "
                "(or process_event() from code running in the loop)"
            ) from None

    def run(self, work: Coroutine[Any, Any, None]) -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(work)
            self.background.add(task)
            task.add_done_callback(self.background.discard)
            task.add_done_callback(_log_failure)
            return
        self.run_to_end(work)

    def _private_loop(self) -> asyncio.AbstractEventLoop:
        import asyncio

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    async def drain(self) -> None:
        """Wait for the timer work handed to the running loop."""
        import asyncio

        if self.background:
            await asyncio.gather(*self.background, return_exceptions=True)

    def run_to_end(self, work: Coroutine[Any, Any, None]) -> None:
        with self._lock:
            self._private_loop().run_until_complete(work)

    def close(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.close()
                self._loop = None


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("timer bookkeeping failed", exc_info=task.exception())

"""Keeping one claimed timer's lease alive while its handler runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from pystator_scheduler._background import cancel_requested
from pystator_scheduler._store import Claimed, RedisTimerStore

__all__ = ["kept_lease"]

logger = logging.getLogger("pystator.scheduler")


@contextlib.asynccontextmanager
async def kept_lease(store: RedisTimerStore, claimed: Claimed, lease_ms: int) -> AsyncIterator[None]:
    """Extend ``claimed``'s lease every third of ``lease_ms`` until the block ends."""
    stop = asyncio.Event()

    async def keep() -> None:
        while not cancel_requested():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=lease_ms / 3000)
                return
            try:
                await store.extend({claimed.task.task_id: claimed.token}, lease_ms)
            except Exception as exc:  # a failed extension must not abort the handler
                logger.warning("extending the lease of timer %s failed: %s", claimed.task.task_id, exc)

    keeper = asyncio.ensure_future(keep())
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait({keeper}, timeout=5)

"""The timer queries both Redis-backed schedulers answer the same way, straight from the timer store."""

from __future__ import annotations

from pystator.scheduler.protocol import ScheduledTask, SchedulerMetrics
from pystator_scheduler._store import RedisTimerStore

__all__ = ["TimerStoreQueries"]


class TimerStoreQueries:
    """Cancellation and inspection of timers kept in a ``RedisTimerStore``.

    Subclasses set ``_store`` and ``_retention_s`` (how long cancelled/fired records are kept).
    """

    _store: RedisTimerStore
    _retention_s: int

    async def cancel(self, task_id: str) -> bool:
        return await self._store.cancel(task_id, self._retention_s)

    async def cancel_for_entity(self, entity_id: str) -> int:
        return await self._store.cancel_entity(entity_id, self._retention_s)

    async def get_task(self, task_id: str) -> ScheduledTask | None:
        return await self._store.get(task_id)

    async def get_pending_tasks(self, entity_id: str | None = None) -> list[ScheduledTask]:
        return await self._store.pending(entity_id)

    async def count_pending(self) -> int:
        return await self._store.count_pending()

    async def metrics(self) -> SchedulerMetrics:
        return await self._store.metrics()

"""Which scheduler arms delayed transitions and timeouts in the API process, from the settings.

``[scheduler] backend``: ``asyncio`` -> ``AsyncioScheduler`` (in memory, rebuilt from the stored
entities at start; one process only); ``redis``, or ``auto`` with ``[redis] url`` set ->
``RedisScheduler`` (timers as data in Redis, shared by replicas); otherwise none (``pystator up``
always uses the asyncio scheduler).
"""

from __future__ import annotations

from collections.abc import Callable

from pystator.scheduler import AsyncioScheduler, Scheduler
from pystator_contracts.settings import Settings

__all__ = ["scheduler_factory"]


def scheduler_factory(settings: Settings) -> Callable[[], Scheduler] | None:
    backend = settings.scheduler.backend
    if backend == "asyncio":
        return AsyncioScheduler
    redis_url = settings.redis.url
    if backend == "redis" or (backend == "auto" and redis_url is not None):
        if redis_url is None:
            raise ValueError("[scheduler] backend = redis needs [redis] url")
        prefix = f"{settings.redis.key_prefix}{{timers}}:"

        def redis_scheduler() -> Scheduler:
            from pystator_scheduler.redis import RedisScheduler

            scheduler: Scheduler = RedisScheduler(redis_url, prefix=prefix)
            return scheduler

        return redis_scheduler
    return None

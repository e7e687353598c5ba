"""Schedulers for delayed transitions and state timeouts.

The ``Scheduler`` protocol and its values live here with ``AsyncioScheduler`` (in-process).
``RedisScheduler`` and ``CeleryScheduler`` live in the ``pystator-scheduler`` distribution and are
forwarded lazily: importing this package imports neither them nor their drivers (nor asyncio).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pystator._forward import ForwardedName, forwarding_getattr
from pystator.scheduler.handlers import HandlerRegistry
from pystator.scheduler.protocol import (
    ScheduledTask,
    Scheduler,
    SchedulerMetrics,
    TaskStatus,
    TimerCallback,
)
from pystator.scheduler.retry import RetryPolicy
from pystator.scheduler.timer_ref import TIMER_METADATA_KEY, TimerRef, timer_task_id

if TYPE_CHECKING:
    from pystator.scheduler.asyncio_scheduler import AsyncioScheduler
    from pystator_scheduler.celery import CeleryScheduler as CeleryScheduler
    from pystator_scheduler.redis import RedisScheduler as RedisScheduler

_FORWARDED = {
    "RedisScheduler": ForwardedName(
        "pystator_scheduler.redis", "pystator-scheduler", "'pystator-scheduler[redis]'"
    ),
    "CeleryScheduler": ForwardedName(
        "pystator_scheduler.celery", "pystator-scheduler", "'pystator-scheduler[celery]'"
    ),
}
# Core names imported on first use, so that ``import pystator`` does not pay for asyncio.
_LAZY = {"AsyncioScheduler": "pystator.scheduler.asyncio_scheduler"}

_forwarded_getattr = forwarding_getattr(__name__, _FORWARDED, globals())


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        return _forwarded_getattr(name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "TIMER_METADATA_KEY",
    "AsyncioScheduler",
    "HandlerRegistry",
    "RetryPolicy",
    "ScheduledTask",
    "Scheduler",
    "SchedulerMetrics",
    "TaskStatus",
    "TimerCallback",
    "TimerRef",
    "timer_task_id",
]

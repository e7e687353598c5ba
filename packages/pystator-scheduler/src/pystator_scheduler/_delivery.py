"""Running a claimed timer's handler and recording the outcome: shared by Redis and Celery."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Literal

from pystator.scheduler.handlers import HandlerRegistry
from pystator.scheduler.retry import RetryPolicy
from pystator_scheduler._store import Claimed, RedisTimerStore

__all__ = ["Outcome", "deliver"]

logger = logging.getLogger("pystator.scheduler")

Outcome = Literal["fired", "retry", "failed", "lease_lost", "released"]


async def deliver(
    store: RedisTimerStore,
    claimed: Claimed,
    handlers: HandlerRegistry,
    retry: RetryPolicy,
    retention_s: int,
) -> tuple[Outcome, int]:
    """Call the handler of ``claimed`` and acknowledge, retry or fail it.

    Returns the outcome and, for ``retry``, the timer's new hop. A cancellation (shutdown) hands the
    timer back without counting the attempt, then re-raises.
    """
    task = claimed.task
    handler = handlers.get(task.handler)
    try:
        if handler is None:
            raise LookupError(
                f"no handler named {task.handler!r} is registered in this process "
                "(call register_handler with that name in every process that fires timers)"
            )
        result = handler(task)
        if inspect.isawaitable(result):
            await result
    except asyncio.CancelledError:
        await asyncio.shield(store.release(claimed))
        raise
    except Exception as exc:
        return await _record_failure(store, claimed, exc, retry, retention_s)
    if await store.ack(claimed, retention_s):
        return "fired", 0
    logger.warning(
        "timer %s fired, but its lease had expired and was taken over: it may fire again "
        "(deduplicate on the task id; extend lease_ms if handlers run this long)",
        task.task_id,
    )
    return "lease_lost", 0


async def _record_failure(
    store: RedisTimerStore, claimed: Claimed, exc: Exception, retry: RetryPolicy, retention_s: int
) -> tuple[Outcome, int]:
    task = claimed.task
    error = f"{type(exc).__name__}: {exc}"
    backoff_ms = retry.delay_after(task.attempts)
    hop = await store.fail(
        claimed, error, backoff_ms=backoff_ms, max_attempts=retry.max_attempts, retention_s=retention_s
    )
    if hop > 0:
        logger.warning(
            "timer %s for entity %s failed on attempt %d, retrying in %d ms: %s",
            task.task_id,
            task.entity_id,
            task.attempts,
            backoff_ms,
            error,
        )
        return "retry", hop
    if hop == 0:
        logger.error(
            "timer %s for entity %s failed on attempt %d, giving up: %s",
            task.task_id,
            task.entity_id,
            task.attempts,
            error,
            exc_info=exc,
        )
        return "failed", 0
    logger.warning("timer %s failed after its lease had expired: %s", task.task_id, error)
    return "lease_lost", 0

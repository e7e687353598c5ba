"""``CeleryScheduler``: timers as delayed Celery tasks on a Redis broker, each fired once.

The timer itself is data in Redis (the same records as ``RedisScheduler``, under the scheduler's
prefix); a delayed Celery message only says "look at timer X now". A worker receiving it claims the
timer atomically, so a message delivered twice fires once, and a cancelled timer's message finds
nothing to fire.

Limits of Celery this guards against:

- A countdown longer than the Redis broker's ``visibility_timeout`` is delivered twice (the broker
  restores the unacknowledged message to another worker), and delayed messages sit in worker
  memory. Countdowns are therefore capped at ``max_countdown_s`` (half the visibility timeout by
  default); a longer delay is re-armed in hops, each a fresh message.
- A message lost between storing a timer and sending it (a crash in between, a broker outage) is
  recovered by ``sweep``, which the scheduler runs every ``sweep_interval_s`` once started.

Every worker that consumes the timer queue constructs the same ``CeleryScheduler`` (same app,
prefix and queue) at import time and registers the same handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from pystator.errors import SchedulerError
from pystator.event import TriggerLike
from pystator.scheduler.handlers import HandlerRegistry
from pystator.scheduler.protocol import TimerCallback
from pystator.scheduler.retry import RetryPolicy
from pystator.scheduler.timer_request import check_timer_request
from pystator_scheduler._drivers import require

require("celery", "celery")
require("redis.asyncio", "celery")

from redis.asyncio import Redis  # noqa: E402

from pystator_scheduler._background import cancel_requested, stop  # noqa: E402
from pystator_scheduler._delivery import deliver  # noqa: E402
from pystator_scheduler._lease import kept_lease  # noqa: E402
from pystator_scheduler._options import positive_int, positive_number  # noqa: E402
from pystator_scheduler._queries import TimerStoreQueries  # noqa: E402
from pystator_scheduler._store import RedisTimerStore  # noqa: E402

__all__ = ["DEFAULT_PREFIX", "DEFAULT_QUEUE", "FIRE_TASK_NAME", "CeleryScheduler"]

logger = logging.getLogger("pystator.scheduler")

DEFAULT_PREFIX = "pystator:{celery-timers}:"
DEFAULT_QUEUE = "pystator-timers"
FIRE_TASK_NAME = "pystator_scheduler.fire_timer"
DEFAULT_VISIBILITY_TIMEOUT_S = 3600  # kombu's default for the Redis transport

# The schedulers of this process by prefix: the Celery task finds its scheduler here.
_SCHEDULERS: dict[str, CeleryScheduler] = {}
_REGISTERED_APPS: weakref.WeakSet[Any] = weakref.WeakSet()
_REGISTRATION_LOCK = threading.Lock()


def _fire_timer(prefix: str, task_id: str, hop: int) -> None:
    """The Celery task: runs in the worker and fires (or re-arms) one timer."""
    scheduler = _SCHEDULERS.get(prefix)
    if scheduler is None:
        raise LookupError(
            f"no CeleryScheduler with prefix {prefix!r} in this worker: construct it when the "
            "worker imports its app module"
        )
    scheduler.fire_in_worker(task_id, hop)


@dataclass
class _WorkerRuntime:
    """An event loop and Redis client owned by one worker thread of one process."""

    pid: int
    loop: asyncio.AbstractEventLoop
    store: RedisTimerStore


class CeleryScheduler(TimerStoreQueries):
    """Delayed Celery tasks on a Redis broker; timer records in Redis.

    - ``app``: the Celery app (its broker must be Redis). The fire task is registered on it.
    - ``redis_url`` / ``client``: where timer records live (the broker's URL by default).
    - ``prefix``: key prefix of the records; ``queue``: the queue the fire messages go to.
    - ``max_countdown_s``: longest countdown of one message; must be below the broker's
      ``visibility_timeout`` (half of it by default).
    - ``lease_ms``: how long a firing timer stays with one worker before a redelivered message may
      take it over (extended while the handler runs).
    - ``sweep_interval_s`` / ``sweep_grace_ms``: how often a started scheduler looks for timers
      overdue by more than the grace (their message was lost) and sends them again. None: never.
    """

    def __init__(
        self,
        app: Any,
        *,
        redis_url: str | None = None,
        client: Redis | None = None,
        prefix: str = DEFAULT_PREFIX,
        queue: str = DEFAULT_QUEUE,
        max_countdown_s: float | None = None,
        lease_ms: int = 30_000,
        retry: RetryPolicy | None = None,
        retention_s: int = 86_400,
        sweep_interval_s: float | None = 60.0,
        sweep_grace_ms: int = 60_000,
    ) -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"prefix: expected a non-empty string, got {prefix!r}")
        if not isinstance(queue, str) or not queue:
            raise ValueError(f"queue: expected a non-empty string, got {queue!r}")
        self._app = app
        self._prefix = prefix
        self._queue = queue
        self._visibility_timeout_s = _visibility_timeout(app)
        self._max_countdown_s = self._check_countdown(max_countdown_s)
        self._lease_ms = positive_int("lease_ms", lease_ms, minimum=100)
        if self._lease_ms / 1000 >= self._visibility_timeout_s:
            raise ValueError(
                f"lease_ms: expected less than the broker's visibility_timeout "
                f"({self._visibility_timeout_s} s), got {lease_ms}"
            )
        self._retry = retry if retry is not None else RetryPolicy()
        self._retention_s = positive_int("retention_s", retention_s)
        self._sweep_interval_s = (
            None if sweep_interval_s is None else positive_number("sweep_interval_s", sweep_interval_s)
        )
        self._sweep_grace_ms = positive_int("sweep_grace_ms", sweep_grace_ms)
        self._redis_url = redis_url or _broker_url(app)
        self._owns_client = client is None
        self._client = client if client is not None else Redis.from_url(self._redis_url)
        self._store = RedisTimerStore(self._client, prefix)
        self._handlers = HandlerRegistry()
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._runtimes = threading.local()
        self._sweeper: asyncio.Task[None] | None = None
        self._stop_sweeping = asyncio.Event()
        self._closed = False
        _register_fire_task(app)
        _SCHEDULERS[prefix] = self

    def _check_countdown(self, max_countdown_s: float | None) -> float:
        if max_countdown_s is None:
            return self._visibility_timeout_s / 2
        value = positive_number("max_countdown_s", max_countdown_s)
        if value >= self._visibility_timeout_s:
            raise ValueError(
                f"max_countdown_s: expected less than the broker's visibility_timeout "
                f"({self._visibility_timeout_s} s), got {max_countdown_s}: a longer countdown is "
                "delivered twice"
            )
        return value

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def queue(self) -> str:
        return self._queue

    @property
    def max_countdown_s(self) -> float:
        return self._max_countdown_s

    def register_handler(self, name: str, handler: TimerCallback) -> None:
        self._handlers.register(name, handler)

    async def schedule(
        self,
        delay_ms: int,
        callback: TimerCallback | str,
        entity_id: str,
        event: TriggerLike,
        metadata: Mapping[str, Any] | None = None,
        *,
        task_id: str | None = None,
    ) -> str:
        """Store the timer, then send its first delayed message. Handlers run in the workers, so a
        handler name need not be registered in this process."""
        self._check_open()
        request = check_timer_request(delay_ms, entity_id, event, metadata, task_id)
        if isinstance(callback, str) and callback.strip():
            handler = callback
        else:
            handler = self._handlers.name_for(callback)
        if not await self._store.schedule(request, handler):
            return request.task_id
        try:
            await asyncio.to_thread(self._send, request.task_id, 0, request.delay_ms / 1000)
        except Exception as exc:
            await self._store.forget(request.task_id)
            raise SchedulerError(
                f"sending the timer's Celery message failed, nothing was scheduled: {exc}",
                context={"task_id": request.task_id},
            ) from exc
        return request.task_id

    async def sweep(self) -> int:
        """Send a fresh message for every timer overdue by more than ``sweep_grace_ms`` (its message
        was lost) and for every expired lease; returns how many were sent."""
        rearmed = await self._store.sweep(self._sweep_grace_ms, limit=1000)
        for task_id, hop in rearmed:
            await asyncio.to_thread(self._send, task_id, hop, 0)
        if rearmed:
            logger.warning("re-sent %d timer messages that looked lost", len(rearmed))
        return len(rearmed)

    async def start(self) -> None:
        """Start the periodic sweep in this process (idempotent)."""
        self._check_open()
        if self._sweeper is None and self._sweep_interval_s is not None:
            self._sweeper = asyncio.create_task(self._sweep_periodically(), name="pystator-celery-sweep")

    async def close(self) -> None:
        """Stop sweeping and release connections; stored timers and sent messages stay."""
        if self._closed:
            return
        self._closed = True
        self._stop_sweeping.set()
        await stop(self._sweeper, 5.0)
        if _SCHEDULERS.get(self._prefix) is self:
            del _SCHEDULERS[self._prefix]
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> CeleryScheduler:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ worker side

    def fire_in_worker(self, task_id: str, hop: int) -> None:
        """Run by the Celery task: claim the timer and fire it, or re-arm it if not yet due."""
        runtime = self._runtime()
        runtime.loop.run_until_complete(self._fire(runtime.store, task_id, hop))

    def _runtime(self) -> _WorkerRuntime:
        # One loop and client per thread and process: a forked child must not reuse its parent's.
        runtime: _WorkerRuntime | None = getattr(self._runtimes, "value", None)
        if runtime is None or runtime.pid != os.getpid():
            loop = asyncio.new_event_loop()
            runtime = _WorkerRuntime(
                os.getpid(), loop, RedisTimerStore(Redis.from_url(self._redis_url), self._prefix)
            )
            self._runtimes.value = runtime
        return runtime

    async def _fire(self, store: RedisTimerStore, task_id: str, hop: int) -> None:
        outcome = await store.claim_one(
            task_id, hop, lease_ms=self._lease_ms, owner=self._owner, retention_s=self._retention_s
        )
        if outcome.outcome == "drop":
            logger.debug("timer %s message (hop %d) dropped: %s", task_id, hop, outcome.reason)
            return
        if outcome.outcome == "wait":
            # Not due yet: a capped countdown, or a worker clock ahead of Redis. Move to the next hop
            # first, so that a duplicate of this message cannot re-arm it a second time.
            next_hop = await store.rearm(task_id, hop)
            if next_hop > 0:
                self._send(task_id, next_hop, outcome.wait_ms / 1000)
            return
        claimed = outcome.claimed
        assert claimed is not None
        async with kept_lease(store, claimed, self._lease_ms):
            result, next_hop = await deliver(store, claimed, self._handlers, self._retry, self._retention_s)
        if result == "retry":
            self._send(task_id, next_hop, self._retry.delay_after(claimed.task.attempts) / 1000)

    # ------------------------------------------------------------------ internals

    def _send(self, task_id: str, hop: int, delay_s: float) -> None:
        self._app.send_task(
            FIRE_TASK_NAME,
            args=[self._prefix, task_id, hop],
            countdown=min(max(delay_s, 0.0), self._max_countdown_s),
            queue=self._queue,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise SchedulerError("the scheduler is closed; create a new one to schedule timers")

    async def _sweep_periodically(self) -> None:
        assert self._sweep_interval_s is not None
        while not cancel_requested():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_sweeping.wait(), timeout=self._sweep_interval_s)
                return
            try:
                await self.sweep()
            except Exception as exc:  # keep sweeping through broker or Redis outages
                logger.warning("sweeping timers failed: %s", exc)


def _register_fire_task(app: Any) -> None:
    with _REGISTRATION_LOCK:
        if app in _REGISTERED_APPS:
            return
        app.task(
            name=FIRE_TASK_NAME,
            acks_late=True,  # a worker dying mid-fire leaves the message to be redelivered
            reject_on_worker_lost=True,
            ignore_result=True,
        )(_fire_timer)
        _REGISTERED_APPS.add(app)


def _visibility_timeout(app: Any) -> float:
    options = app.conf.broker_transport_options or {}
    return float(options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT_S))


def _broker_url(app: Any) -> str:
    url = str(app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(
            f"redis_url: the Celery broker ({url or 'unset'}) is not Redis; pass the Redis URL that "
            "holds the timer records"
        )
    return url

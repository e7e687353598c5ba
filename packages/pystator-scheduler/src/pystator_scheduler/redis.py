"""``RedisScheduler``: timers kept in Redis, fired by any number of replicas, each timer once.

Timers survive restarts (they are data in Redis, not tasks in a process). Every replica polls with
an atomic claim that moves due timers to an in-flight set under a lease; a replica killed while
firing loses nothing, because expired leases return to the due set. Due times are read from the
Redis server's clock, so replicas with skewed clocks agree. Each process claims only timers whose
handler it has registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from pystator.errors import SchedulerError
from pystator.event import TriggerLike
from pystator.scheduler.handlers import HandlerRegistry
from pystator.scheduler.protocol import TimerCallback
from pystator.scheduler.retry import RetryPolicy
from pystator.scheduler.timer_request import check_timer_request
from pystator_scheduler._drivers import require

require("redis.asyncio", "redis")

from redis.asyncio import Redis  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

from pystator_scheduler._background import cancel_requested, stop  # noqa: E402
from pystator_scheduler._delivery import deliver  # noqa: E402
from pystator_scheduler._options import positive_int, positive_number  # noqa: E402
from pystator_scheduler._queries import TimerStoreQueries  # noqa: E402
from pystator_scheduler._store import Claimed, RedisTimerStore  # noqa: E402

__all__ = ["DEFAULT_PREFIX", "RedisScheduler"]

logger = logging.getLogger("pystator.scheduler")

DEFAULT_PREFIX = "pystator:{timers}:"
"""The key prefix; its ``{timers}`` hash tag keeps every key in one Redis Cluster slot."""


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RedisScheduler(TimerStoreQueries):
    """Durable timers in Redis; run one in every process that fires timers.

    - ``url`` / ``client``: where the timers live (a given ``client`` is not closed by ``close``).
    - ``prefix``: key prefix; schedulers sharing a prefix share timers.
    - ``poll_interval_ms``: longest time between two claims when nothing is due sooner; a timer
      scheduled by another replica fires at most this late (timers this process schedules wake it).
    - ``lease_ms``: how long a claimed timer stays with this process before other replicas may take
      it over; extended while the handler runs, so only a dead process loses its leases.
    - ``batch_size`` / ``max_concurrency``: timers per claim / handlers running at once.
    - ``retry``: what happens when a handler raises; ``retention_s``: how long finished timers stay
      readable (and their ids refuse a second schedule).
    - ``fire``: False for a process that only schedules (an API replica whose timers are fired by
      workers): it never claims timers, and accepts handler names it has not registered.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Redis | None = None,
        prefix: str = DEFAULT_PREFIX,
        poll_interval_ms: int = 50,
        lease_ms: int = 30_000,
        batch_size: int = 100,
        max_concurrency: int = 64,
        retry: RetryPolicy | None = None,
        retention_s: int = 86_400,
        shutdown_grace_s: float = 5.0,
        fire: bool = True,
    ) -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"prefix: expected a non-empty string, got {prefix!r}")
        self._poll_interval_s = positive_int("poll_interval_ms", poll_interval_ms) / 1000
        self._lease_ms = positive_int("lease_ms", lease_ms, minimum=100)
        self._batch_size = positive_int("batch_size", batch_size)
        self._max_concurrency = positive_int("max_concurrency", max_concurrency)
        self._retention_s = positive_int("retention_s", retention_s)
        self._grace_s = positive_number("shutdown_grace_s", shutdown_grace_s)
        self._retry = retry if retry is not None else RetryPolicy()
        self._owns_client = client is None
        self._client = client if client is not None else Redis.from_url(url)
        self._store = RedisTimerStore(self._client, prefix)
        self._handlers = HandlerRegistry()
        self._owner = _owner_id()
        self._running: dict[asyncio.Task[None], Claimed] = {}
        self._poller: asyncio.Task[None] | None = None
        self._lease_keeper: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stop_keeping_leases = asyncio.Event()
        self._next_wake_at = float("inf")
        self._closed = False
        self._fire = fire

    @property
    def prefix(self) -> str:
        return self._store.prefix

    @property
    def owner(self) -> str:
        """This instance's name in lease tokens: host, process id and a random suffix."""
        return self._owner

    def register_handler(self, name: str, handler: TimerCallback) -> None:
        self._handlers.register(name, handler)
        self._wake.set()

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
        self._check_open()
        request = check_timer_request(delay_ms, entity_id, event, metadata, task_id)
        if not self._fire and isinstance(callback, str) and callback.strip():
            handler = callback
        else:
            handler = self._handlers.name_for(callback)
        await self._store.schedule(request, handler)
        await self.start()
        if time.monotonic() + request.delay_ms / 1000 < self._next_wake_at:
            self._wake.set()
        return request.task_id

    async def start(self) -> None:
        """Start claiming due timers of the registered handlers (idempotent; no-op when not firing)."""
        self._check_open()
        if self._fire and self._poller is None:
            self._poller = asyncio.create_task(self._poll(), name=f"pystator-redis-poller:{self._owner}")
            self._lease_keeper = asyncio.create_task(
                self._keep_leases(), name=f"pystator-redis-leases:{self._owner}"
            )

    async def close(self) -> None:
        """Stop claiming; let running handlers finish for ``shutdown_grace_s``, then hand their
        timers back. Pending timers stay in Redis for the other replicas or the next process."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        # Stop by flag first: redis-py can swallow a cancellation that lands inside a command.
        await stop(self._poller, self._grace_s)
        if self._running:
            _, still_running = await asyncio.wait(set(self._running), timeout=self._grace_s)
            for delivery in still_running:
                delivery.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=self._grace_s)
        self._stop_keeping_leases.set()
        await stop(self._lease_keeper, self._grace_s)
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> RedisScheduler:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._closed:
            raise SchedulerError("the scheduler is closed; create a new one to schedule timers")

    async def _poll(self) -> None:
        while not self._closed and not cancel_requested():
            self._wake.clear()
            self._next_wake_at = float("inf")  # awake: anything scheduled now must wake the next sleep
            room = self._max_concurrency - len(self._running)
            if room <= 0:
                await self._sleep(self._poll_interval_s)  # a finished delivery wakes it
                continue
            handlers = self._handlers.names()
            if not handlers:
                await self._sleep(self._poll_interval_s)
                continue
            limit = min(self._batch_size, room)
            try:
                batch = await self._store.claim_due(
                    handlers,
                    limit=limit,
                    lease_ms=self._lease_ms,
                    owner=self._owner,
                    retention_s=self._retention_s,
                )
            except (RedisError, OSError) as exc:
                logger.warning("claiming due timers failed, retrying: %s", exc)
                await self._sleep(self._poll_interval_s)
                continue
            except Exception:  # never let the poller die: log, back off, keep polling
                logger.exception("claiming due timers failed unexpectedly, retrying")
                await self._sleep(self._poll_interval_s)
                continue
            for claimed in batch.claimed:
                self._spawn(claimed)
            if len(batch.claimed) >= limit:
                await asyncio.sleep(0)
                continue
            delay = self._poll_interval_s
            if batch.next_due_ms is not None:
                delay = min(delay, max(0, batch.next_due_ms - batch.now_ms) / 1000)
            await self._sleep(delay)

    async def _sleep(self, seconds: float) -> None:
        self._next_wake_at = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    def _spawn(self, claimed: Claimed) -> None:
        delivery = asyncio.create_task(self._deliver(claimed), name=f"pystator-timer:{claimed.task.task_id}")
        self._running[delivery] = claimed
        delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: asyncio.Task[None]) -> None:
        self._running.pop(delivery, None)
        if not self._closed:
            self._wake.set()  # room for more work

    async def _deliver(self, claimed: Claimed) -> None:
        try:
            await deliver(self._store, claimed, self._handlers, self._retry, self._retention_s)
        except (RedisError, OSError) as exc:
            logger.warning(
                "recording the outcome of timer %s failed; its lease will expire and it may fire again: %s",
                claimed.task.task_id,
                exc,
            )

    async def _keep_leases(self) -> None:
        while not cancel_requested():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_keeping_leases.wait(), timeout=self._lease_ms / 3000)
                return
            leases = {claimed.task.task_id: claimed.token for claimed in self._running.values()}
            try:
                await self._store.extend(leases, self._lease_ms)
            except (RedisError, OSError) as exc:
                logger.warning("extending timer leases failed: %s", exc)

"""``EventQueue``: submit events, read their status, manage dead letters, metrics and retention.

``submit_event`` writes one durable row to ``worker_events`` and returns the event id; a repeated
idempotency key of the same entity returns the first event's id and writes nothing. Every method has
an async twin with an ``a`` prefix. The sync methods run on a private event-loop thread, so they work
from any thread, including one that runs an event loop.

The module-level ``submit_event`` / ``asubmit_event`` / ``get_event`` / ``aget_event`` use a queue on
``PYSTATOR_DATABASE_URL`` (``[database] url`` in ``pystator.cfg``; SQLite ``./pystator.db`` by default).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from pystator_stores._loops import LoopThread, PerLoop
from pystator_stores.urls import parse_store_url
from pystator_worker.backend import Backend, Submission, encode_payload
from pystator_worker.records import DeadLetter, EventInfo, EventStatus, QueueMetrics

__all__ = [
    "EventQueue",
    "aget_event",
    "asubmit_event",
    "default_database_url",
    "get_event",
    "open_backend",
    "submit_event",
]

T = TypeVar("T")

Delay = float | int | timedelta | None


def default_database_url() -> str:
    """``[database] url`` of the settings (``PYSTATOR_DATABASE_URL``, ``pystator.cfg``, default)."""
    from pystator_contracts.settings import Settings

    return Settings.load().database.url


def open_backend(url: str, *, pool_size: int = 5) -> Backend:
    """The backend for a ``sqlite:///path`` or ``postgresql://...`` URL (not yet opened)."""
    parsed = parse_store_url(url)
    if parsed.backend == "sqlite":
        from pystator_worker.sqlite import SQLiteBackend

        return SQLiteBackend(parsed.target)
    if parsed.backend == "postgresql":
        from pystator_worker.postgres import PostgresBackend

        return PostgresBackend(parsed.target, pool_size=pool_size)
    raise ValueError(
        f"database URL {url!r}: the worker queue needs sqlite:///path or postgresql://..., "
        f"not {parsed.backend}"
    )


def _delay_seconds(delay: Delay) -> float:
    if delay is None:
        return 0.0
    if isinstance(delay, timedelta):
        seconds = delay.total_seconds()
    elif isinstance(delay, int | float) and not isinstance(delay, bool):
        seconds = float(delay)
    else:
        raise ValueError(f"delay: expected seconds (a number) or a timedelta, got {delay!r}")
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"delay: expected a non-negative duration, got {delay!r}")
    return seconds


def _text(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        expected = "a non-empty string or None" if optional else "a non-empty string"
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return value


def _limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit: expected an integer >= 1, got {limit!r}")
    return limit


class EventQueue:
    """The queue on one database (``sqlite:///path`` or ``postgresql://...``; the settings' URL by default).

    With ``migrate`` (the default) the ``stores`` and ``worker`` schemas are upgraded on first use;
    pass False where ``pystator db upgrade`` runs at deploy time. ``notify`` sends a PostgreSQL
    NOTIFY with each immediate event (a wake-up hint for idle workers; they poll regardless); on
    SQLite it wakes a worker that runs in the same process on this queue (``pystator up``).
    """

    def __init__(
        self, url: str | None = None, *, migrate: bool = True, notify: bool = True, pool_size: int = 5
    ) -> None:
        self.url = url if url is not None else default_database_url()
        open_backend(self.url)  # validates the URL now, with a clear error
        self._migrate = migrate
        self._notify = notify
        self._pool_size = pool_size
        self._backends: PerLoop[Backend] = PerLoop(self._open_backend)
        self._loop_thread = LoopThread("pystator-worker-queue")
        self._closed = False

    def __repr__(self) -> str:
        return f"EventQueue({self.url.split('@')[-1]!r})"

    async def _open_backend(self) -> Backend:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        backend = open_backend(self.url, pool_size=self._pool_size)
        await backend.open(migrate=self._migrate)
        return backend

    async def backend(self) -> Backend:
        """This event loop's backend (opened, and migrated when asked, on first use)."""
        return await self._backends.get()

    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop_thread.run(coro)

    # ------------------------------------------------------------------ submit and status

    async def asubmit_event(
        self,
        entity_id: str,
        trigger: str,
        payload: Mapping[str, Any] | None = None,
        *,
        machine: str | None = None,
        idempotency_key: str | None = None,
        delay: Delay = None,
    ) -> str:
        """Queue one event for ``entity_id``; returns its event id (the first one for a repeated key)."""
        submission = Submission(
            event_id=str(uuid.uuid4()),
            machine=_text("machine", machine, optional=True) or "",
            entity_id=str(_text("entity_id", entity_id)),
            trigger=str(_text("trigger", trigger)),
            payload=encode_payload(payload or {}),
            idempotency_key=_text("idempotency_key", idempotency_key, optional=True),
            delay_seconds=_delay_seconds(delay),
        )
        backend = await self.backend()
        return await backend.submit(submission, notify=self._notify)

    def submit_event(
        self,
        entity_id: str,
        trigger: str,
        payload: Mapping[str, Any] | None = None,
        *,
        machine: str | None = None,
        idempotency_key: str | None = None,
        delay: Delay = None,
    ) -> str:
        return self._sync(
            self.asubmit_event(
                entity_id, trigger, payload, machine=machine, idempotency_key=idempotency_key, delay=delay
            )
        )

    async def aget_event(self, event_id: str) -> EventInfo | None:
        """The event's status, attempts, last error and result; None for an unknown id."""
        backend = await self.backend()
        return await backend.get(str(_text("event_id", event_id)))

    def get_event(self, event_id: str) -> EventInfo | None:
        return self._sync(self.aget_event(event_id))

    async def alist_events(
        self, *, status: EventStatus | str | None = None, entity_id: str | None = None, limit: int = 100
    ) -> list[EventInfo]:
        """Events in submission order, optionally of one status and/or one entity."""
        wanted = EventStatus(status) if status is not None else None
        backend = await self.backend()
        return await backend.list_events(status=wanted, entity_id=entity_id, limit=_limit(limit))

    def list_events(
        self, *, status: EventStatus | str | None = None, entity_id: str | None = None, limit: int = 100
    ) -> list[EventInfo]:
        return self._sync(self.alist_events(status=status, entity_id=entity_id, limit=limit))

    # ------------------------------------------------------------------ dead letters

    async def adead_letters(self, *, limit: int = 100, after: str | None = None) -> list[DeadLetter]:
        """Dead letters, oldest first; pass the last event id as ``after`` for the next page."""
        backend = await self.backend()
        return await backend.dead_letters(limit=_limit(limit), after=after)

    def dead_letters(self, *, limit: int = 100, after: str | None = None) -> list[DeadLetter]:
        return self._sync(self.adead_letters(limit=limit, after=after))

    async def adead_letter(self, event_id: str) -> DeadLetter | None:
        backend = await self.backend()
        return await backend.dead_letter(event_id)

    def dead_letter(self, event_id: str) -> DeadLetter | None:
        return self._sync(self.adead_letter(event_id))

    async def areplay(self, event_id: str) -> bool:
        """Put a dead-lettered event back in the queue (pending, attempts reset, same id).

        It keeps its place among its entity's events (its original submission order). Returns False
        when the event has no dead letter.
        """
        backend = await self.backend()
        return await backend.replay(event_id)

    def replay(self, event_id: str) -> bool:
        return self._sync(self.areplay(event_id))

    async def adiscard(self, event_id: str) -> bool:
        """Drop a dead letter; the event stays ``failed``/``dead``. False when there is none."""
        backend = await self.backend()
        return await backend.discard(event_id)

    def discard(self, event_id: str) -> bool:
        return self._sync(self.adiscard(event_id))

    # ------------------------------------------------------------------ metrics and retention

    async def ametrics(
        self, *, window_seconds: float = 60.0, node_timeout_seconds: float = 60.0
    ) -> QueueMetrics:
        """Depth by status, ready events and their lag, throughput over ``window_seconds``, live workers."""
        backend = await self.backend()
        return await backend.metrics(window_seconds=window_seconds, node_timeout_seconds=node_timeout_seconds)

    def metrics(self, *, window_seconds: float = 60.0, node_timeout_seconds: float = 60.0) -> QueueMetrics:
        return self._sync(
            self.ametrics(window_seconds=window_seconds, node_timeout_seconds=node_timeout_seconds)
        )

    async def apurge(self, *, older_than: float | timedelta = timedelta(days=7), limit: int = 10_000) -> int:
        """Delete ``done`` events finished more than ``older_than`` ago (failed and dead ones stay)."""
        backend = await self.backend()
        return await backend.purge(older_than_seconds=_delay_seconds(older_than), limit=_limit(limit))

    def purge(self, *, older_than: float | timedelta = timedelta(days=7), limit: int = 10_000) -> int:
        return self._sync(self.apurge(older_than=older_than, limit=limit))

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close this loop's backend and the private loop's one."""
        self._closed = True
        mine = self._backends.take(asyncio.get_running_loop())
        if mine is not None:
            await _close(mine)
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        self._closed = True
        if self._loop_thread.started:
            private = self._backends.take(self._loop_thread.loop)
            if private is not None:
                self._loop_thread.run(_close(private))
        self._backends.take_all()
        self._loop_thread.stop()

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> EventQueue:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _close(future: asyncio.Future[Backend]) -> None:
    try:
        backend = await future
    except Exception:
        return
    await backend.close()


# ---------------------------------------------------------------------- module-level shortcuts

_default_lock = threading.Lock()
_default_queues: dict[str, EventQueue] = {}


def _default_queue(database_url: str | None) -> EventQueue:
    url = database_url if database_url is not None else default_database_url()
    with _default_lock:
        queue = _default_queues.get(url)
        if queue is None:
            queue = _default_queues[url] = EventQueue(url)
        return queue


def submit_event(
    entity_id: str,
    trigger: str,
    payload: Mapping[str, Any] | None = None,
    *,
    machine: str | None = None,
    idempotency_key: str | None = None,
    delay: Delay = None,
    database_url: str | None = None,
) -> str:
    """Queue one event on the settings' database (or ``database_url``); returns its event id."""
    return _default_queue(database_url).submit_event(
        entity_id, trigger, payload, machine=machine, idempotency_key=idempotency_key, delay=delay
    )


async def asubmit_event(
    entity_id: str,
    trigger: str,
    payload: Mapping[str, Any] | None = None,
    *,
    machine: str | None = None,
    idempotency_key: str | None = None,
    delay: Delay = None,
    database_url: str | None = None,
) -> str:
    return await _default_queue(database_url).asubmit_event(
        entity_id, trigger, payload, machine=machine, idempotency_key=idempotency_key, delay=delay
    )


def get_event(event_id: str, *, database_url: str | None = None) -> EventInfo | None:
    return _default_queue(database_url).get_event(event_id)


async def aget_event(event_id: str, *, database_url: str | None = None) -> EventInfo | None:
    return await _default_queue(database_url).aget_event(event_id)

"""The database side of the queue, one implementation per dialect (PostgreSQL, SQLite).

A ``Backend`` writes and reads ``worker_events``; a ``Claim`` is ONE open transaction that holds one
claimed event (and, once loaded, its entity's row). Everything an event changes commits together
through the claim: the transition (the state store's own SQL, run on the claim's connection), the
history row with its planned actions (the outbox), and the event's new status. A crash before
``COMMIT`` rolls all of it back and the event is simply pending again.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pystator.stores.records import (
    ActionOutcome,
    CommitResult,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_worker.records import DeadLetter, EventInfo, EventOutcome, EventStatus, QueueMetrics

__all__ = [
    "Backend",
    "BatchAborted",
    "Claim",
    "ClaimedEvent",
    "ProcessingEvent",
    "Submission",
    "encode_payload",
    "runs_after_commit",
]

NOTIFY_CHANNEL = "pystator_worker_events"


def encode_payload(payload: Mapping[str, Any], *, field: str = "payload") -> str:
    """JSON text of a payload; a ``ValueError`` naming ``field`` when it is not JSON-serialisable."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"{field}: expected a mapping, got {type(payload).__name__}")
    try:
        return json.dumps(dict(payload), separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: expected JSON-serialisable values ({exc})") from exc


def runs_after_commit(transition: TransitionRecord) -> bool:
    """Whether the transition planned work that runs after the commit (anything but effects, which the
    commit already applied): its event then stays ``processing`` under a lease until that work ends."""
    return transition.actions_pending and any(action.kind != "effect" for action in transition.actions)


class BatchAborted(Exception):
    """A batch's transaction was rolled back before its COMMIT (a queued write did not apply as the
    entity row it had locked predicted): nothing of it was written, its events stay pending."""


@dataclass(frozen=True, slots=True)
class Submission:
    event_id: str
    machine: str
    entity_id: str
    trigger: str
    payload: str
    idempotency_key: str | None
    delay_seconds: float


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    seq: int
    event_id: str
    machine: str
    entity_id: str
    trigger: str
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProcessingEvent:
    """An event whose transition committed but whose actions a (dead) worker did not finish."""

    event_id: str
    machine: str
    entity_id: str
    applied_version: int


class Claim(abc.ABC):
    """One claimed event inside one open transaction (see the module docstring)."""

    event: ClaimedEvent
    committed: bool = False
    processing: bool = False
    """Set by ``commit_transition``: the event waits in ``processing`` for its actions."""

    @abc.abstractmethod
    async def load_entity(self, entity_id: str) -> EntityRecord | None:
        """The entity, its row locked until the transaction ends (PostgreSQL)."""

    @abc.abstractmethod
    async def history(self, entity_id: str, *, after_version: int, limit: int) -> list[TransitionRecord]: ...

    @abc.abstractmethod
    async def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...

    @abc.abstractmethod
    async def commit_transition(
        self, commit: TransitionCommit, *, worker_id: str, lease_seconds: float, defer: bool
    ) -> CommitResult:
        """Write the transition and the event's status (``processing`` while actions are pending,
        else ``done``) and COMMIT.

        With ``defer`` and nothing to run after the commit (no actions, or effects only), the COMMIT
        waits for ``mark_actions`` (which records the effects' outcomes in the same transaction) or
        ``settle()``: one WAL flush per event instead of two.
        """

    @abc.abstractmethod
    async def settle(self) -> None:
        """COMMIT a deferred commit (no-op when there is none)."""

    @abc.abstractmethod
    async def finish(
        self,
        status: EventStatus,
        *,
        outcome: EventOutcome | None,
        error: str | None,
        result: Mapping[str, Any],
    ) -> None:
        """End the event without a transition (declined: ``done``; permanent error: ``failed`` with a
        dead letter), written with the transaction's COMMIT."""

    @abc.abstractmethod
    async def retry(
        self, error: str, *, delay_seconds: float, max_attempts: int, rollback: bool = True
    ) -> EventStatus:
        """Count a failed attempt: pending again after ``delay_seconds``, or ``dead`` with a dead
        letter once ``max_attempts`` is reached. Returns the new status.

        ``rollback``: the transaction may be broken (a database error): roll it back (the other
        events of its batch stay pending, uncounted) and count the attempt in a new one. Otherwise
        the attempt is counted inside the transaction, and its batch goes on."""

    @abc.abstractmethod
    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        """Record action outcomes on the history row; a ``processing`` event becomes ``done`` with
        them (only while this worker holds its lease). Finishes a deferred commit."""

    @abc.abstractmethod
    async def release(self) -> None:
        """Give the connection back; an open transaction is rolled back."""


class ClaimBatch(abc.ABC):
    """Claims of events of different entities sharing one transaction (PostgreSQL; one on SQLite).

    Applying them one after the other in the same transaction shares the claim query and the
    COMMIT (one WAL flush for the batch). On PostgreSQL the transitions of entities whose rows the
    claim locked are queued and written together, in one round trip, just before the COMMIT. A claim
    whose actions must run after the commit commits the transaction early; the batch is then closed
    and its remaining events stay pending for the next claim.
    """

    claims: list[Claim]

    @property
    @abc.abstractmethod
    def open(self) -> bool:
        """Whether the remaining claims may still be applied (the transaction is open)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """COMMIT what the applied claims wrote and give the connection back."""


class Backend(abc.ABC):
    """Every database operation of the queue and the worker."""

    dialect: str

    def __init__(self) -> None:
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._missed = False

    @abc.abstractmethod
    async def open(self, *, migrate: bool) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    # ------------------------------------------------------------------ queue

    @abc.abstractmethod
    async def submit(self, submission: Submission, *, notify: bool) -> str: ...

    @abc.abstractmethod
    async def get(self, event_id: str) -> EventInfo | None: ...

    @abc.abstractmethod
    async def list_events(
        self, *, status: EventStatus | None, entity_id: str | None, limit: int
    ) -> list[EventInfo]: ...

    # ------------------------------------------------------------------ worker

    @abc.abstractmethod
    async def claim_batch(self, limit: int) -> ClaimBatch | None:
        """Open a transaction holding up to ``limit`` ready events, each the oldest pending event of
        its entity (so of different entities), oldest first; None when nothing is ready."""

    async def claim(self) -> Claim | None:
        """One claim in a transaction of its own (``settle()`` commits it, ``release()`` ends it)."""
        batch = await self.claim_batch(1)
        return None if batch is None else batch.claims[0]

    @abc.abstractmethod
    async def reclaim(self, worker_id: str, lease_seconds: float, limit: int) -> list[ProcessingEvent]:
        """Take over ``processing`` events whose lease expired (their worker died)."""

    @abc.abstractmethod
    async def load_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...

    @abc.abstractmethod
    async def load_entity(self, entity_id: str) -> EntityRecord | None: ...

    @abc.abstractmethod
    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None: ...

    @abc.abstractmethod
    async def complete(self, event_id: str, worker_id: str) -> None: ...

    @abc.abstractmethod
    async def heartbeat(
        self, worker_id: str, *, lease_seconds: float, processed: int, failed: int, stopped: bool = False
    ) -> None:
        """Extend the leases of this worker's ``processing`` events and record its liveness."""

    @abc.abstractmethod
    async def register_node(self, worker_id: str, hostname: str, pid: int, concurrency: int) -> None: ...

    @abc.abstractmethod
    async def has_unfinished(self) -> bool:
        """Whether any event is still pending (delayed ones included) or processing."""

    async def warm_up(self, consumers: int) -> None:
        """Get ready for ``consumers`` concurrent claims (connections, prepared statements), so that
        the first events do not wait for it."""
        return None  # nothing to prepare by default (SQLite)

    def wake(self) -> None:
        """Wake every consumer waiting in ``wait_for_work`` (shutting down, or much new work)."""
        waiters, self._waiters = self._waiters, collections.deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._missed = True

    def hint(self) -> None:
        """New work: wake one waiting consumer, or, when none waits, the next one to wait.

        One event needs one consumer: waking them all (each running a claim query, all but one of
        them for nothing) costs more than the event. A hint that arrives while every consumer is busy
        is kept, so that a consumer whose claim just came back empty does not sleep through it.
        """
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._missed = True

    async def wait_for_work(self, seconds: float) -> None:
        """Return after ``seconds``, or earlier when woken (``wake()``/``hint()``, a NOTIFY on
        PostgreSQL); at once when a hint came while nobody waited."""
        if self._missed:
            self._missed = False
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await waiter
        finally:
            if not waiter.done():
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    # ------------------------------------------------------------------ dead letters, metrics, retention

    @abc.abstractmethod
    async def dead_letters(self, *, limit: int, after: str | None) -> list[DeadLetter]: ...

    @abc.abstractmethod
    async def dead_letter(self, event_id: str) -> DeadLetter | None: ...

    @abc.abstractmethod
    async def replay(self, event_id: str) -> bool: ...

    @abc.abstractmethod
    async def discard(self, event_id: str) -> bool: ...

    @abc.abstractmethod
    async def metrics(self, *, window_seconds: float, node_timeout_seconds: float) -> QueueMetrics: ...

    @abc.abstractmethod
    async def purge(self, *, older_than_seconds: float, limit: int) -> int:
        """Delete ``done`` events finished longer ago than ``older_than_seconds``; returns how many."""

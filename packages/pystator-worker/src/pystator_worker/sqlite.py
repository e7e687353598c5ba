"""The SQLite backend: the embedded default for one machine (several processes share one file).

A claim is one ``BEGIN IMMEDIATE`` transaction, which holds the database's single writer lock: the
oldest ready event whose entity has no older pending event is read, the entity loaded, the state
store's own commit SQL run on the same connection and the event updated before ``COMMIT``. Each
connection lives on its own thread (the event loop never blocks on the database); timestamps are
Unix seconds of this machine's clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from pystator.stores.records import (
    ActionOutcome,
    CommitResult,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_stores import sqlite as store_sql
from pystator_stores.migrations.registry import select
from pystator_stores.migrations.sqlite import sqlite_upgrade
from pystator_worker.backend import (
    Backend,
    Claim,
    ClaimBatch,
    ClaimedEvent,
    ProcessingEvent,
    Submission,
    runs_after_commit,
)
from pystator_worker.records import DeadLetter, EventInfo, EventOutcome, EventStatus, QueueMetrics, WorkerNode
from pystator_worker.schema import COMPONENT

__all__ = ["SQLiteBackend"]

T = TypeVar("T")

_EVENT_COLUMNS = (
    "e.event_id, e.machine, e.entity_id, e.trigger, e.payload, e.idempotency_key, e.status, e.outcome, "
    "e.attempts, e.last_error, e.result, e.created_at, e.available_at, e.started_at, e.finished_at"
)

_CLAIM = """
SELECT e.seq, e.event_id, e.machine, e.entity_id, e.trigger, e.payload, e.attempts, e.created_at
  FROM worker_events e
 WHERE e.status = 'pending' AND e.available_at <= ?
   AND NOT EXISTS (
       SELECT 1 FROM worker_events o
        WHERE o.status = 'pending' AND o.entity_id = e.entity_id AND o.seq < e.seq
   )
 ORDER BY e.seq
 LIMIT 1
"""

_FINISH = """
UPDATE worker_events
   SET status = ?, outcome = ?, attempts = attempts + 1, last_error = ?, result = ?, applied_version = ?,
       locked_by = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?), finished_at = ?
 WHERE seq = ?
"""

_DEAD_LETTER = """
INSERT INTO worker_dead_letters (event_id, reason, error, attempts, dead_at)
SELECT event_id, status, ?, attempts, ? FROM worker_events WHERE seq = ?
ON CONFLICT (event_id) DO UPDATE
   SET reason = excluded.reason, error = excluded.error, attempts = excluded.attempts,
       dead_at = excluded.dead_at
"""


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _event(row: Sequence[Any]) -> EventInfo:
    (event_id, machine, entity_id, trigger, payload, key, status, outcome, attempts, last_error, result,
     created_at, available_at, started_at, finished_at) = row[:15]  # fmt: skip
    created = _ts(created_at)
    available = _ts(available_at)
    assert created is not None and available is not None
    return EventInfo(
        event_id=event_id,
        machine=machine,
        entity_id=entity_id,
        trigger=trigger,
        payload=json.loads(payload),
        idempotency_key=key,
        status=EventStatus(status),
        outcome=EventOutcome(outcome) if outcome else None,
        attempts=int(attempts),
        last_error=last_error,
        result=json.loads(result) if result else {},
        created_at=created,
        available_at=available,
        started_at=_ts(started_at),
        finished_at=_ts(finished_at),
    )


class _Connection:
    """One sqlite3 connection and the one thread that uses it."""

    def __init__(self, path: str, timeout: float) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pystator-worker-sqlite")
        self._path = path
        self._timeout = timeout
        self.conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.conn is None:
            conn = sqlite3.connect(
                self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self.conn = conn
        return self.conn

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self._connect()))

    def close(self) -> None:
        def shut() -> None:
            if self.conn is not None:
                self.conn.close()
                self.conn = None

        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class _SQLiteClaim(Claim):
    def __init__(self, backend: SQLiteBackend, connection: _Connection, event: ClaimedEvent) -> None:
        self._backend = backend
        self._connection = connection
        self.event = event
        self.committed = False
        self.processing = False
        self._deferred = False
        self._worker_id = ""

    async def load_entity(self, entity_id: str) -> EntityRecord | None:
        return await self._connection.run(lambda c: store_sql.load_entity_on_connection(c, entity_id))

    async def history(self, entity_id: str, *, after_version: int, limit: int) -> list[TransitionRecord]:
        return await self._connection.run(
            lambda c: store_sql.history_on_connection(c, entity_id, after_version=after_version, limit=limit)
        )

    async def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return await self._connection.run(
            lambda c: store_sql.get_transition_on_connection(c, entity_id, version)
        )

    async def commit_transition(
        self, commit: TransitionCommit, *, worker_id: str, lease_seconds: float, defer: bool
    ) -> CommitResult:
        seq = self.event.seq
        self._worker_id = worker_id

        def work(conn: sqlite3.Connection) -> CommitResult:
            now = time.time()
            stamp = commit.timestamp or datetime.fromtimestamp(now, UTC)
            committed = store_sql.commit_on_connection(conn, commit, now=stamp)
            transition = committed.transition
            pending = not committed.duplicate and runs_after_commit(transition)
            result = {
                "source_state": transition.from_state,
                "target_state": transition.to_state,
                "version": transition.version,
            }
            conn.execute(
                _FINISH,
                (
                    (EventStatus.PROCESSING if pending else EventStatus.DONE).value,
                    (EventOutcome.DUPLICATE if committed.duplicate else EventOutcome.APPLIED).value,
                    None,
                    json.dumps(result),
                    transition.version,
                    worker_id if pending else None,
                    now + lease_seconds if pending else None,
                    now,
                    None if pending else now,
                    seq,
                ),
            )
            if pending or not defer:
                conn.execute("COMMIT")
            return committed

        committed = await self._connection.run(work)
        self.processing = not committed.duplicate and runs_after_commit(committed.transition)
        if self.processing or not defer:
            self.committed = True
        else:
            self._deferred = True
        return committed

    async def settle(self) -> None:
        if self._deferred:
            await self._connection.run(lambda c: c.execute("COMMIT"))
            self._deferred = False
            self.committed = True

    async def finish(
        self,
        status: EventStatus,
        *,
        outcome: EventOutcome | None,
        error: str | None,
        result: Mapping[str, Any],
    ) -> None:
        seq = self.event.seq
        encoded = json.dumps(dict(result), default=str)

        def work(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(
                _FINISH,
                (
                    status.value,
                    outcome.value if outcome else None,
                    error,
                    encoded,
                    None,
                    None,
                    None,
                    now,
                    now,
                    seq,
                ),
            )
            if status in (EventStatus.FAILED, EventStatus.DEAD):
                conn.execute(_DEAD_LETTER, (error or status.value, now, seq))
            conn.execute("COMMIT")

        await self._connection.run(work)
        self.committed = True

    async def retry(
        self, error: str, *, delay_seconds: float, max_attempts: int, rollback: bool = True
    ) -> EventStatus:
        seq = self.event.seq

        self._deferred = False

        def work(conn: sqlite3.Connection) -> EventStatus:
            if conn.in_transaction:  # undo the attempt but keep the write lock: nobody claims it meanwhile
                conn.execute("ROLLBACK TO SAVEPOINT claimed")
            else:
                conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT attempts FROM worker_events WHERE seq = ? AND status = 'pending'", (seq,)
                ).fetchone()
                if row is None:
                    conn.execute("COMMIT")
                    return EventStatus.PENDING
                now = time.time()
                dead = int(row[0]) + 1 >= max_attempts
                status = EventStatus.DEAD if dead else EventStatus.PENDING
                conn.execute(
                    "UPDATE worker_events SET attempts = attempts + 1, last_error = ?, status = ?, "
                    "available_at = ?, started_at = COALESCE(started_at, ?), finished_at = ? WHERE seq = ?",
                    (error, status.value, now + delay_seconds, now, now if dead else None, seq),
                )
                if dead:
                    conn.execute(_DEAD_LETTER, (error, now, seq))
                conn.execute("COMMIT")
                return status
            except BaseException:
                _rollback(conn)
                raise

        status = await self._connection.run(work)
        self.committed = True
        return status

    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        if self._deferred:
            await self._connection.run(
                lambda c: store_sql.mark_actions_on_connection(c, entity_id, version, outcomes)
            )
            await self.settle()
            return
        event_id, worker_id, processing = self.event.event_id, self._worker_id, self.processing

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                store_sql.mark_actions_on_connection(conn, entity_id, version, outcomes)
                if processing:
                    _complete(conn, event_id, worker_id)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._connection.run(work)

    async def release(self) -> None:
        self._deferred = False
        try:
            await self._connection.run(_rollback)
        finally:
            self._backend.give_back(self._connection)


def _complete(conn: sqlite3.Connection, event_id: str, worker_id: str) -> None:
    conn.execute(
        "UPDATE worker_events SET status = 'done', finished_at = ?, locked_by = NULL, "
        "lease_expires_at = NULL WHERE event_id = ? AND status = 'processing' AND locked_by = ?",
        (time.time(), event_id, worker_id),
    )


class _SingleBatch(ClaimBatch):
    def __init__(self, claim: Claim) -> None:
        self.claims = [claim]

    @property
    def open(self) -> bool:
        return True

    async def close(self) -> None:
        claim = self.claims[0]
        try:
            await claim.settle()
        finally:
            await claim.release()


class SQLiteBackend(Backend):
    dialect = "sqlite"

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self._timeout = timeout
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []
        self._opened = False
        super().__init__()

    def _take(self) -> _Connection:
        if self._idle:
            return self._idle.pop()
        connection = _Connection(self.path, self._timeout)
        self._all.append(connection)
        return connection

    def give_back(self, connection: _Connection) -> None:
        self._idle.append(connection)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._take()
        try:
            return await connection.run(fn)
        finally:
            self.give_back(connection)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def work(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                value = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return value

        return await self._run(work)

    async def open(self, *, migrate: bool) -> None:
        if self._opened:
            return
        if migrate:
            await self._run(lambda c: sqlite_upgrade(c, select(["stores", COMPONENT])))
        self._opened = True

    async def close(self) -> None:
        connections, self._all, self._idle = self._all, [], []
        for connection in connections:
            await asyncio.to_thread(connection.close)
        self._opened = False

    # ------------------------------------------------------------------ queue

    async def submit(self, submission: Submission, *, notify: bool) -> str:
        s = submission

        def work(conn: sqlite3.Connection) -> str:
            if s.idempotency_key is not None:
                row = conn.execute(
                    "SELECT event_id FROM worker_events WHERE entity_id = ? AND idempotency_key = ?",
                    (s.entity_id, s.idempotency_key),
                ).fetchone()
                if row is not None:
                    return str(row[0])
            now = time.time()
            conn.execute(
                "INSERT INTO worker_events (event_id, machine, entity_id, trigger, payload, idempotency_key, "
                "status, created_at, available_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (s.event_id, s.machine, s.entity_id, s.trigger, s.payload, s.idempotency_key, now,
                 now + max(0.0, s.delay_seconds)),
            )  # fmt: skip
            return s.event_id

        event_id = await self._write(work)
        if notify and s.delay_seconds <= 0:
            self.hint()  # SQLite has no NOTIFY: this wakes a worker running in this process only
        return event_id

    async def get(self, event_id: str) -> EventInfo | None:
        row = await self._run(
            lambda c: c.execute(
                f"SELECT {_EVENT_COLUMNS} FROM worker_events e WHERE e.event_id = ?", (event_id,)
            ).fetchone()
        )
        return None if row is None else _event(row)

    async def list_events(
        self, *, status: EventStatus | None, entity_id: str | None, limit: int
    ) -> list[EventInfo]:
        sql = f"SELECT {_EVENT_COLUMNS} FROM worker_events e WHERE 1 = 1"
        params: list[Any] = []
        if status is not None:
            sql += " AND e.status = ?"
            params.append(status.value)
        if entity_id is not None:
            sql += " AND e.entity_id = ?"
            params.append(entity_id)
        rows = await self._run(
            lambda c: c.execute(sql + " ORDER BY e.seq LIMIT ?", [*params, limit]).fetchall()
        )
        return [_event(row) for row in rows]

    # ------------------------------------------------------------------ worker

    async def claim_batch(self, limit: int) -> ClaimBatch | None:
        # One writer at a time on SQLite: a batch is one claim.
        claim = await self._claim_one()
        return None if claim is None else _SingleBatch(claim)

    async def _claim_one(self) -> Claim | None:
        connection = self._take()

        def work(conn: sqlite3.Connection) -> Any:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(_CLAIM, (time.time(),)).fetchone()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if row is None:
                conn.execute("ROLLBACK")
            else:
                conn.execute("SAVEPOINT claimed")
            return row

        try:
            row = await connection.run(work)
        except BaseException:
            self.give_back(connection)
            raise
        if row is None:
            self.give_back(connection)
            return None
        seq, event_id, machine, entity_id, trigger, payload, attempts, created_at = row
        created = _ts(created_at)
        assert created is not None
        event = ClaimedEvent(
            int(seq), event_id, machine, entity_id, trigger, json.loads(payload), int(attempts), created
        )
        return _SQLiteClaim(self, connection, event)

    async def reclaim(self, worker_id: str, lease_seconds: float, limit: int) -> list[ProcessingEvent]:
        def work(conn: sqlite3.Connection) -> list[ProcessingEvent]:
            now = time.time()
            rows = conn.execute(
                "SELECT seq, event_id, machine, entity_id, applied_version FROM worker_events "
                "WHERE status = 'processing' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?",
                (now, limit),
            ).fetchall()
            for row in rows:
                conn.execute(
                    "UPDATE worker_events SET locked_by = ?, lease_expires_at = ? WHERE seq = ?",
                    (worker_id, now + lease_seconds, row[0]),
                )
            return [ProcessingEvent(r[1], r[2], r[3], int(r[4])) for r in rows]

        return await self._write(work)

    async def load_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return await self._run(lambda c: store_sql.get_transition_on_connection(c, entity_id, version))

    async def load_entity(self, entity_id: str) -> EntityRecord | None:
        return await self._run(lambda c: store_sql.load_entity_on_connection(c, entity_id))

    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        await self._write(lambda c: store_sql.mark_actions_on_connection(c, entity_id, version, outcomes))

    async def complete(self, event_id: str, worker_id: str) -> None:
        await self._write(lambda c: _complete(c, event_id, worker_id))

    async def heartbeat(
        self, worker_id: str, *, lease_seconds: float, processed: int, failed: int, stopped: bool = False
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(
                "UPDATE worker_events SET lease_expires_at = ? WHERE status = 'processing' AND locked_by = ?",
                (now + lease_seconds, worker_id),
            )
            conn.execute(
                "UPDATE worker_nodes SET heartbeat_at = ?, processed = ?, failed = ?, stopped_at = ? "
                "WHERE worker_id = ?",
                (now, processed, failed, now if stopped else None, worker_id),
            )

        await self._write(work)

    async def register_node(self, worker_id: str, hostname: str, pid: int, concurrency: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(
                "INSERT INTO worker_nodes (worker_id, hostname, pid, concurrency, started_at, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (worker_id) DO UPDATE "
                "SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
                (worker_id, hostname, pid, concurrency, now, now),
            )

        await self._write(work)

    async def has_unfinished(self) -> bool:
        row = await self._run(
            lambda c: c.execute(
                "SELECT EXISTS (SELECT 1 FROM worker_events WHERE status IN ('pending', 'processing'))"
            ).fetchone()
        )
        return bool(row[0])

    # ------------------------------------------------------------------ dead letters, metrics, retention

    async def dead_letters(self, *, limit: int, after: str | None) -> list[DeadLetter]:
        sql = (
            f"SELECT {_EVENT_COLUMNS}, d.reason, d.error, d.attempts, d.dead_at "
            "FROM worker_dead_letters d JOIN worker_events e ON e.event_id = d.event_id"
        )
        params: list[Any] = []
        if after is not None:
            sql += (
                " WHERE (d.dead_at, d.event_id) > "
                "(SELECT dead_at, event_id FROM worker_dead_letters WHERE event_id = ?)"
            )
            params.append(after)
        rows = await self._run(
            lambda c: c.execute(sql + " ORDER BY d.dead_at, d.event_id LIMIT ?", [*params, limit]).fetchall()
        )
        return [_dead_letter(row) for row in rows]

    async def dead_letter(self, event_id: str) -> DeadLetter | None:
        row = await self._run(
            lambda c: c.execute(
                f"SELECT {_EVENT_COLUMNS}, d.reason, d.error, d.attempts, d.dead_at "
                "FROM worker_dead_letters d JOIN worker_events e ON e.event_id = d.event_id "
                "WHERE d.event_id = ?",
                (event_id,),
            ).fetchone()
        )
        return None if row is None else _dead_letter(row)

    async def replay(self, event_id: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("DELETE FROM worker_dead_letters WHERE event_id = ?", (event_id,))
            if cursor.rowcount == 0:
                return False
            conn.execute(
                "UPDATE worker_events SET status = 'pending', attempts = 0, outcome = NULL, result = NULL, "
                "available_at = ?, finished_at = NULL, locked_by = NULL, lease_expires_at = NULL "
                "WHERE event_id = ?",
                (time.time(), event_id),
            )
            return True

        replayed = await self._write(work)
        if replayed:
            self.hint()
        return replayed

    async def discard(self, event_id: str) -> bool:
        return await self._write(
            lambda c: (
                c.execute("DELETE FROM worker_dead_letters WHERE event_id = ?", (event_id,)).rowcount > 0
            )
        )

    async def metrics(self, *, window_seconds: float, node_timeout_seconds: float) -> QueueMetrics:
        def work(conn: sqlite3.Connection) -> QueueMetrics:
            now = time.time()
            depth = {
                str(s): int(n)
                for s, n in conn.execute("SELECT status, COUNT(*) FROM worker_events GROUP BY status")
            }
            ready, oldest = conn.execute(
                "SELECT COUNT(*), MIN(available_at) FROM worker_events "
                "WHERE status = 'pending' AND available_at <= ?",
                (now,),
            ).fetchone()
            finished = conn.execute(
                "SELECT COUNT(*) FROM worker_events WHERE finished_at >= ?", (now - window_seconds,)
            ).fetchone()[0]
            dead = conn.execute("SELECT COUNT(*) FROM worker_dead_letters").fetchone()[0]
            nodes = conn.execute(
                "SELECT worker_id, hostname, pid, concurrency, started_at, heartbeat_at, stopped_at, "
                "processed, failed FROM worker_nodes WHERE stopped_at IS NULL AND heartbeat_at >= ? "
                "ORDER BY started_at",
                (now - node_timeout_seconds,),
            ).fetchall()
            return QueueMetrics(
                depth=depth,
                ready=int(ready),
                lag_seconds=max(0.0, now - oldest) if oldest is not None else 0.0,
                finished_in_window=int(finished),
                window_seconds=window_seconds,
                dead_letters=int(dead),
                workers=tuple(_node(r) for r in nodes),
            )

        return await self._run(work)

    async def purge(self, *, older_than_seconds: float, limit: int) -> int:
        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM worker_events WHERE seq IN (SELECT seq FROM worker_events WHERE status = 'done' "
                "AND finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?)",
                (time.time() - older_than_seconds, limit),
            )
            return int(cursor.rowcount)

        return await self._write(work)


def _dead_letter(row: Sequence[Any]) -> DeadLetter:
    reason, error, attempts, dead_at = row[15:19]
    when = _ts(dead_at)
    assert when is not None
    return DeadLetter(
        event=_event(row), reason=EventStatus(reason), error=error, attempts=int(attempts), dead_at=when
    )


def _node(row: Sequence[Any]) -> WorkerNode:
    worker_id, hostname, pid, concurrency, started_at, heartbeat_at, stopped_at, processed, failed = row
    started, beat = _ts(started_at), _ts(heartbeat_at)
    assert started is not None and beat is not None
    return WorkerNode(
        worker_id,
        hostname,
        int(pid),
        int(concurrency),
        started,
        beat,
        _ts(stopped_at),
        int(processed),
        int(failed),
    )

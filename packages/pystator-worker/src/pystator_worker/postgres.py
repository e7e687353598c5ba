"""The PostgreSQL backend (asyncpg): ``FOR UPDATE SKIP LOCKED`` claims, LISTEN/NOTIFY wake-ups.

A claim is one transaction: the claim query locks up to ``limit`` of the oldest ready events whose
entity has no older pending event (``NOT EXISTS``, backed by the partial index on pending
``(entity_id, seq)``), skipping events other workers hold, and their entities' rows. The state
store's own commit statements run on the same connection (queued and pipelined, see
``_Transaction``), the event rows are updated, and the transaction commits. Every timestamp comes
from the server's clock (``now()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pystator.stores import codec
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_stores import postgres as store_sql
from pystator_stores._asyncpg import asyncpg
from pystator_stores.migrations.postgres import postgres_upgrade
from pystator_stores.migrations.registry import select
from pystator_worker.backend import (
    NOTIFY_CHANNEL,
    Backend,
    BatchAborted,
    Claim,
    ClaimBatch,
    ClaimedEvent,
    ProcessingEvent,
    Submission,
    runs_after_commit,
)
from pystator_worker.records import DeadLetter, EventInfo, EventOutcome, EventStatus, QueueMetrics, WorkerNode
from pystator_worker.schema import COMPONENT

__all__ = ["PostgresBackend"]

logger = logging.getLogger("pystator.worker")

_EVENT_COLUMNS = (
    "e.event_id, e.machine, e.entity_id, e.trigger, e.payload, e.idempotency_key, e.status, e.outcome, "
    "e.attempts, e.last_error, e.result, e.applied_version, e.created_at, e.available_at, e.started_at, "
    "e.finished_at, t.from_state, t.to_state"
)
# An applied event's result is its history row's: read it from there rather than copy it.
_EVENT_FROM = (
    "worker_events e LEFT JOIN pystator_transitions t "
    "ON t.entity_id = e.entity_id AND t.version = e.applied_version"
)

_SUBMIT = f"""
WITH ins AS (
    INSERT INTO worker_events (event_id, machine, entity_id, trigger, payload, idempotency_key, status,
                               available_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'pending', now() + make_interval(secs => $7))
    ON CONFLICT (entity_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING event_id
)
SELECT event_id, CASE WHEN $8 THEN (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) END AS notified FROM ins
"""

# Every statement of a worker transaction reaches a few rows through an index: the claim walks the
# pending rows in ``seq`` order and stops after ``$1`` entity heads, the rest are key lookups. Their
# plans must not depend on the tables' statistics: a queue table's are usually wrong (its pending set
# swings from empty to many thousands between ANALYZE runs, and without autovacuum it is never
# analyzed), and a plan made while the table was nearly empty (a sequential scan, a hash join, a sort
# of every pending row) stays cached on the connection while the table grows, 50x slower than the
# index walk on a long queue. The transaction therefore begins by ruling such plans out (``_BEGIN``):
# the index paths are the only ones left.
_BEGIN = (
    "BEGIN; SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
)

_CLAIM = """
WITH ev AS (
    SELECT e.seq, e.event_id, e.machine, e.entity_id, e.trigger, e.payload, e.attempts, e.created_at
      FROM worker_events e
     WHERE e.status = 'pending' AND e.available_at <= now()
       AND NOT EXISTS (
           SELECT 1 FROM worker_events o
            WHERE o.status = 'pending' AND o.entity_id = e.entity_id AND o.seq < e.seq
       )
     ORDER BY e.seq
     LIMIT $1
     FOR UPDATE OF e SKIP LOCKED
)
SELECT ev.*, now() AS now, ent.x AS entity
  FROM ev LEFT JOIN LATERAL (
       SELECT x FROM pystator_entities x WHERE x.entity_id = ev.entity_id FOR UPDATE
  ) ent ON true
 ORDER BY ev.seq
"""

_FINISH = """
UPDATE worker_events
   SET status = $2, outcome = $3, attempts = attempts + 1, last_error = $4, result = $5::jsonb,
       applied_version = $6, locked_by = $7,
       lease_expires_at = CASE WHEN $2 = 'processing' THEN now() + make_interval(secs => $8) END,
       started_at = COALESCE(started_at, now()),
       finished_at = CASE WHEN $2 IN ('done', 'failed', 'dead') THEN clock_timestamp() END
 WHERE seq = $1
"""

_DEAD_LETTER = """
INSERT INTO worker_dead_letters (event_id, reason, error, attempts)
SELECT event_id, status, $2, attempts FROM worker_events WHERE seq = $1
ON CONFLICT (event_id) DO UPDATE
   SET reason = EXCLUDED.reason, error = EXCLUDED.error, attempts = EXCLUDED.attempts, dead_at = now()
"""

_RETRY = """
UPDATE worker_events
   SET attempts = attempts + 1, last_error = $2, started_at = COALESCE(started_at, now()),
       status = CASE WHEN attempts + 1 >= $4 THEN 'dead' ELSE 'pending' END,
       available_at = now() + make_interval(secs => $3),
       finished_at = CASE WHEN attempts + 1 >= $4 THEN clock_timestamp() END
 WHERE seq = $1 AND status = 'pending'
RETURNING status
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _literal(value: str | None) -> str:
    """A SQL string literal (``standard_conforming_strings`` is on: only quotes need doubling)."""
    if value is None:
        return "NULL"
    if "\x00" in value:
        raise ValueError("text for PostgreSQL must not contain NUL characters")
    return "'" + value.replace("'", "''") + "'"


def _event(row: Mapping[str, Any]) -> EventInfo:
    outcome = row["outcome"]
    result = _json(row["result"]) or {}
    if row["applied_version"] is not None and row["to_state"] is not None:
        result = {
            "source_state": row["from_state"],
            "target_state": row["to_state"],
            "version": int(row["applied_version"]),
        }
    return EventInfo(
        event_id=row["event_id"],
        machine=row["machine"],
        entity_id=row["entity_id"],
        trigger=row["trigger"],
        payload=_json(row["payload"]) or {},
        idempotency_key=row["idempotency_key"],
        status=EventStatus(row["status"]),
        outcome=EventOutcome(outcome) if outcome else None,
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        result=result,
        created_at=row["created_at"],
        available_at=row["available_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


@dataclass(slots=True, eq=False)
class _Queued:
    """A transition written later, with the batch's other ones: what it will write is known (the claim
    holds its entity row at the version the commit expects)."""

    claim: _PostgresClaim
    commit: TransitionCommit
    version: int
    encoded: list[Any]
    written: bool = False


class _Transaction:
    """The one transaction a batch of claims shares.

    Transitions that cannot conflict are queued and written in one pipelined round trip (``flush``);
    the events' status updates are sent with the COMMIT. Should a queued write not apply as its locked
    entity row predicted, the whole transaction is rolled back (``BatchAborted``) and its entities are
    written one at a time from then on, where a conflict or a repeated key is handled as usual.
    """

    def __init__(self, backend: PostgresBackend, conn: Any, now: datetime) -> None:
        self.backend = backend
        self.conn = conn
        self.now = now
        self.open = True
        self.queued: list[_Queued] = []
        self.done_rows: list[tuple[int, str, int]] = []  # (seq, outcome, applied version) of done events
        self.pending_sql: list[str] = []
        self.touched: list[_PostgresClaim] = []
        self.savepoint = False
        self.released = False

    async def prepare_write(self) -> None:
        """Before a statement runs on behalf of one claim: the savepoint ``retry`` rolls back to."""
        if not self.savepoint:
            await self.conn.execute("SAVEPOINT claimed")
            self.savepoint = True

    def queues(self, entity_id: str) -> bool:
        return any(q.commit.entity_id == entity_id for q in self.queued)

    async def flush(self) -> None:
        """Write the queued transitions (one round trip); ``BatchAborted`` when one did not apply."""
        if not self.queued:
            return
        queued, self.queued = self.queued, []
        for q in queued:
            q.written = True
        try:
            versions = await store_sql.commit_encoded_on_connection(self.conn, [q.encoded for q in queued])
        except BaseException:
            # Which event the server refused is unknown: write these entities one at a time from
            # now on, where an error is charged to its own event (retried, then dead-lettered).
            self.backend.be_careful(q.commit.entity_id for q in queued)
            raise
        wrong = [q.commit.entity_id for q, got in zip(queued, versions, strict=True) if got != q.version]
        if wrong:
            self.backend.be_careful(wrong)
            logger.warning("a queued transition of %s did not apply; its batch is rolled back", wrong)
            await self.rollback()
            raise BatchAborted(f"queued transitions of {wrong} did not apply; nothing was written")

    async def commit(self) -> None:
        """Write what is queued and COMMIT; a transaction the server had aborted rolls back."""
        if not self.open:
            return
        await self.flush()
        self.open = False
        statements = [_done_sql(self.done_rows)] if self.done_rows else []
        sql = "; ".join([*statements, *self.pending_sql, "COMMIT"])
        self.done_rows, self.pending_sql = [], []
        touched, self.touched = self.touched, []
        tag = await self.conn.execute(sql)
        if tag == "ROLLBACK":  # an earlier statement failed and was swallowed: nothing was written
            logger.warning("a worker transaction had failed; its %d events stay pending", len(touched))
            return
        for claim in touched:
            claim.committed = True

    def forget(self) -> None:
        """Drop what the claims queued (rolled back: their events stay pending, uncounted)."""
        self.queued.clear()
        self.done_rows.clear()
        self.pending_sql.clear()
        self.touched.clear()

    async def rollback(self) -> None:
        self.forget()
        if self.open:
            self.open = False
            await self.conn.execute("ROLLBACK")

    async def release(self) -> None:
        if self.released:
            return
        self.released = True
        try:
            if self.open:
                with contextlib.suppress(Exception):
                    await self.rollback()
        finally:
            # Shielded: a cancelled consumer must still give its connection back (pool.close waits).
            await asyncio.shield(self.backend.pool.release(self.conn))


def _done_sql(rows: Sequence[tuple[int, str, int]]) -> str:
    """One statement marking events ``done`` (simple protocol: every value is an integer or a
    fixed outcome word, inlined)."""
    values = ", ".join(
        f"({int(seq)}::bigint, '{outcome}', {int(version)}::bigint)" for seq, outcome, version in rows
    )
    return (
        "UPDATE worker_events e SET status = 'done', outcome = v.outcome, attempts = e.attempts + 1, "
        "last_error = NULL, result = NULL, applied_version = v.version, locked_by = NULL, "
        "lease_expires_at = NULL, started_at = COALESCE(e.started_at, now()), "
        "finished_at = clock_timestamp() "
        f"FROM (VALUES {values}) AS v(seq, outcome, version) WHERE e.seq = v.seq"
    )


def _runs_after_commit(commit: TransitionCommit) -> bool:
    """``runs_after_commit`` of the transition ``commit`` writes."""
    return any(action.kind != "effect" for action in commit.actions)


class _PostgresClaim(Claim):
    def __init__(self, txn: _Transaction, event: ClaimedEvent, entity: Any) -> None:
        self._txn = txn
        self.event = event
        self.committed = False
        self.processing = False
        self._worker_id = ""
        self._queued: _Queued | None = None
        # The claim query locked and read the entity row already: the first load needs no round trip.
        self._locked: EntityRecord | None = None if entity is None else store_sql.entity_from_row(entity)
        self._prefetch_usable = True

    @property
    def _conn(self) -> Any:
        return self._txn.conn

    async def _before_read(self, entity_id: str) -> None:
        txn = self._txn
        if txn.open:
            await txn.prepare_write()
            if txn.queues(entity_id):
                await txn.flush()

    async def load_entity(self, entity_id: str) -> EntityRecord | None:
        if self._prefetch_usable and entity_id == self.event.entity_id:
            self._prefetch_usable = False
            return self._locked
        await self._before_read(entity_id)
        return await store_sql.load_entity_on_connection(self._conn, entity_id, for_update=self._txn.open)

    async def history(self, entity_id: str, *, after_version: int, limit: int) -> list[TransitionRecord]:
        await self._before_read(entity_id)
        return await store_sql.history_on_connection(
            self._conn, entity_id, after_version=after_version, limit=limit
        )

    async def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        await self._before_read(entity_id)
        return await store_sql.get_transition_on_connection(self._conn, entity_id, version)

    def _predictable(self, commit: TransitionCommit, defer: bool) -> bool:
        """Whether ``commit`` will apply as is, so that it may wait for the batch's write: the claim
        holds its entity's row at the expected version and machine (or the entity is new: only a
        writer outside the queue could create it meanwhile, which the write's check catches), and
        nothing has to see it committed before the batch's COMMIT."""
        if not (defer and self._txn.open and commit.entity_id == self.event.entity_id):
            return False
        if commit.entity_id in self._txn.backend.careful or _runs_after_commit(commit):
            return False
        expected, locked = commit.expected_version or 0, self._locked
        if locked is None:
            return expected == 0
        return (
            locked.entity_id == commit.entity_id
            and expected == locked.version > 0
            and locked.machine in ("", commit.machine)
        )

    async def commit_transition(
        self, commit: TransitionCommit, *, worker_id: str, lease_seconds: float, defer: bool
    ) -> CommitResult:
        txn = self._txn
        self._worker_id = worker_id
        if self._predictable(commit, defer):
            version = (commit.expected_version or 0) + 1
            status = ActionsStatus.PENDING if commit.actions else ActionsStatus.DONE
            encoded = store_sql.encode_commit(commit, now=txn.now)
            self._queued = _Queued(self, commit, version, encoded)
            txn.queued.append(self._queued)
            txn.done_rows.append((self.event.seq, EventOutcome.APPLIED.value, version))
            txn.touched.append(self)
            return codec.committed_records(
                commit, version=version, timestamp=commit.timestamp or txn.now, actions_status=status
            )
        await txn.prepare_write()
        committed = await store_sql.commit_on_connection(self._conn, commit, now=commit.timestamp or txn.now)
        txn.backend.careful.discard(commit.entity_id)
        transition = committed.transition
        self.processing = not committed.duplicate and runs_after_commit(transition)
        outcome = EventOutcome.DUPLICATE if committed.duplicate else EventOutcome.APPLIED
        if self.processing:
            txn.pending_sql.append(
                f"UPDATE worker_events SET status = 'processing', outcome = '{outcome.value}', "
                f"attempts = attempts + 1, last_error = NULL, result = NULL, "
                f"applied_version = {int(transition.version)}, locked_by = {_literal(worker_id)}, "
                f"lease_expires_at = now() + make_interval(secs => {float(lease_seconds)!r}), "
                f"started_at = COALESCE(started_at, now()), finished_at = NULL "
                f"WHERE seq = {int(self.event.seq)}"
            )
        else:
            txn.done_rows.append((self.event.seq, outcome.value, int(transition.version)))
        txn.touched.append(self)
        if self.processing or not defer:
            await txn.commit()  # actions (or timers) must see a committed transition
        return committed

    async def settle(self) -> None:
        await self._txn.commit()

    async def finish(
        self,
        status: EventStatus,
        *,
        outcome: EventOutcome | None,
        error: str | None,
        result: Mapping[str, Any],
    ) -> None:
        conn = self._conn
        await self._txn.prepare_write()
        await conn.execute(
            _FINISH,
            self.event.seq,
            status.value,
            outcome.value if outcome is not None else None,
            error,
            json.dumps(dict(result), default=str),
            None,
            None,
            0.0,
        )
        if status in (EventStatus.FAILED, EventStatus.DEAD):
            await conn.execute(_DEAD_LETTER, self.event.seq, error or status.value)
        self._txn.touched.append(self)

    async def retry(
        self, error: str, *, delay_seconds: float, max_attempts: int, rollback: bool = True
    ) -> EventStatus:
        conn, txn = self._conn, self._txn
        if not txn.open:
            async with conn.transaction():
                status = await self._count_failure(error, delay_seconds, max_attempts)
            self.committed = True
            return status
        await txn.prepare_write()
        if rollback:
            # Undo everything since the claim but keep its row locks, so that nobody claims this
            # event again before its attempt is counted (and its backoff set); then end the batch.
            await conn.execute("ROLLBACK TO SAVEPOINT claimed")
            txn.forget()
            status = await self._count_failure(error, delay_seconds, max_attempts)
            txn.touched.append(self)
            await txn.commit()
            return status
        status = await self._count_failure(error, delay_seconds, max_attempts)
        txn.touched.append(self)
        return status

    async def _count_failure(self, error: str, delay_seconds: float, max_attempts: int) -> EventStatus:
        conn = self._conn
        status = await conn.fetchval(_RETRY, self.event.seq, error, float(delay_seconds), max_attempts)
        if status == EventStatus.DEAD.value:
            await conn.execute(_DEAD_LETTER, self.event.seq, error)
        return EventStatus(status) if status is not None else EventStatus.PENDING

    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        conn = self._conn
        queued = self._queued
        if (
            queued is not None
            and not queued.written
            and (queued.commit.entity_id, queued.version) == (entity_id, version)
        ):  # not written yet: the history row is written with them
            store_sql.record_outcomes(queued.encoded, outcomes)
            return
        if self._txn.open:  # effects only, commit deferred: record them in the same transaction
            await self._txn.prepare_write()
            await store_sql.mark_actions_on_connection(conn, entity_id, version, outcomes)
            return
        # After the commit: losing this bookkeeping in a crash only means the actions run again (at
        # least once), so it need not wait for its WAL flush.
        await conn.execute("BEGIN; SET LOCAL synchronous_commit TO OFF")
        try:
            await store_sql.mark_actions_on_connection(conn, entity_id, version, outcomes)
            if self.processing:
                await conn.execute(_complete_sql(self.event.event_id, self._worker_id) + "; COMMIT")
            else:
                await conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            raise

    async def release(self) -> None:
        await self._txn.release()


class _PostgresBatch(ClaimBatch):
    def __init__(self, txn: _Transaction, claims: list[Claim]) -> None:
        self._txn = txn
        self.claims = claims

    @property
    def open(self) -> bool:
        return self._txn.open

    async def close(self) -> None:
        try:
            await self._txn.commit()
        finally:
            await self._txn.release()


def _complete_sql(event_id: str, worker_id: str) -> str:
    return (
        "UPDATE worker_events SET status = 'done', finished_at = clock_timestamp(), locked_by = NULL, "
        f"lease_expires_at = NULL WHERE event_id = {_literal(event_id)} AND status = 'processing' "
        f"AND locked_by = {_literal(worker_id)}"
    )


async def _complete(conn: Any, event_id: str, worker_id: str) -> None:
    await conn.execute(
        "UPDATE worker_events SET status = 'done', finished_at = clock_timestamp(), locked_by = NULL, "
        "lease_expires_at = NULL WHERE event_id = $1 AND status = 'processing' AND locked_by = $2",
        event_id,
        worker_id,
    )


class PostgresBackend(Backend):
    dialect = "postgresql"

    def __init__(self, dsn: str, *, pool_size: int = 5) -> None:
        self.dsn = dsn
        self._pool_size = pool_size
        self._pool: Any = None
        self._listener: Any = None
        # Entities whose queued write once failed: written one at a time until one of theirs applies.
        self.careful: set[str] = set()
        super().__init__()

    def be_careful(self, entity_ids: Iterable[str]) -> None:
        if len(self.careful) > 10_000:  # bounded: forgetting one only costs a batch rolled back again
            self.careful.clear()
        self.careful.update(entity_ids)

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise RuntimeError("the PostgreSQL queue is not open")
        return self._pool

    async def open(self, *, migrate: bool) -> None:
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=self._pool_size,
            command_timeout=60.0,
            reset=_no_reset,
            # Short statements only: compiling one (JIT) would cost far more than running it.
            server_settings={"jit": "off"},
        )
        if migrate:
            async with pool.acquire() as conn:
                await postgres_upgrade(conn, select(["stores", COMPONENT]))
        self._pool = pool

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await listener.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), 10.0)
            except TimeoutError:
                pool.terminate()

    # ------------------------------------------------------------------ queue

    async def submit(self, submission: Submission, *, notify: bool) -> str:
        s = submission
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                _SUBMIT,
                s.event_id,
                s.machine,
                s.entity_id,
                s.trigger,
                s.payload,
                s.idempotency_key,
                float(s.delay_seconds),
                notify and s.delay_seconds <= 0,
            )
            if row is not None:
                return str(row["event_id"])
            existing = await conn.fetchval(
                "SELECT event_id FROM worker_events WHERE entity_id = $1 AND idempotency_key = $2",
                s.entity_id,
                s.idempotency_key,
            )
        return str(existing)

    async def get(self, event_id: str) -> EventInfo | None:
        row = await self.pool.fetchrow(
            f"SELECT {_EVENT_COLUMNS} FROM {_EVENT_FROM} WHERE e.event_id = $1", event_id
        )
        return None if row is None else _event(row)

    async def list_events(
        self, *, status: EventStatus | None, entity_id: str | None, limit: int
    ) -> list[EventInfo]:
        rows = await self.pool.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM {_EVENT_FROM} "
            "WHERE ($1::text IS NULL OR e.status = $1) AND ($2::text IS NULL OR e.entity_id = $2) "
            "ORDER BY e.seq LIMIT $3",
            status.value if status is not None else None,
            entity_id,
            limit,
        )
        return [_event(row) for row in rows]

    # ------------------------------------------------------------------ worker

    async def claim_batch(self, limit: int) -> ClaimBatch | None:
        conn = await self.pool.acquire()
        try:
            await conn.execute(_BEGIN)
            rows = await conn.fetch(_CLAIM, limit)
            if not rows:
                await conn.execute("ROLLBACK")
                await self.pool.release(conn)
                return None
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            await self.pool.release(conn)
            raise
        txn = _Transaction(self, conn, rows[0]["now"])
        claims: list[Claim] = [
            _PostgresClaim(
                txn,
                ClaimedEvent(
                    seq=int(row["seq"]),
                    event_id=row["event_id"],
                    machine=row["machine"],
                    entity_id=row["entity_id"],
                    trigger=row["trigger"],
                    payload=_json(row["payload"]) or {},
                    attempts=int(row["attempts"]),
                    created_at=row["created_at"],
                ),
                row["entity"],
            )
            for row in rows
        ]
        return _PostgresBatch(txn, claims)

    async def reclaim(self, worker_id: str, lease_seconds: float, limit: int) -> list[ProcessingEvent]:
        rows = await self.pool.fetch(
            """
            UPDATE worker_events SET locked_by = $1, lease_expires_at = now() + make_interval(secs => $2)
             WHERE seq IN (
                   SELECT seq FROM worker_events
                    WHERE status = 'processing' AND lease_expires_at < now()
                    ORDER BY lease_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING event_id, machine, entity_id, applied_version
            """,
            worker_id,
            float(lease_seconds),
            limit,
        )
        return [
            ProcessingEvent(r["event_id"], r["machine"], r["entity_id"], int(r["applied_version"]))
            for r in rows
        ]

    async def load_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        async with self.pool.acquire() as conn:
            return await store_sql.get_transition_on_connection(conn, entity_id, version)

    async def load_entity(self, entity_id: str) -> EntityRecord | None:
        async with self.pool.acquire() as conn:
            return await store_sql.load_entity_on_connection(conn, entity_id)

    async def mark_actions(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        async with self.pool.acquire() as conn:
            await store_sql.mark_actions_on_connection(conn, entity_id, version, outcomes)

    async def complete(self, event_id: str, worker_id: str) -> None:
        async with self.pool.acquire() as conn:
            await _complete(conn, event_id, worker_id)

    async def heartbeat(
        self, worker_id: str, *, lease_seconds: float, processed: int, failed: int, stopped: bool = False
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE worker_events SET lease_expires_at = now() + make_interval(secs => $2) "
                "WHERE status = 'processing' AND locked_by = $1",
                worker_id,
                float(lease_seconds),
            )
            await conn.execute(
                "UPDATE worker_nodes SET heartbeat_at = now(), processed = $2, failed = $3, "
                "stopped_at = CASE WHEN $4 THEN now() END WHERE worker_id = $1",
                worker_id,
                processed,
                failed,
                stopped,
            )

    async def register_node(self, worker_id: str, hostname: str, pid: int, concurrency: int) -> None:
        await self.pool.execute(
            "INSERT INTO worker_nodes (worker_id, hostname, pid, concurrency) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL",
            worker_id,
            hostname,
            pid,
            concurrency,
        )

    async def has_unfinished(self) -> bool:
        return bool(
            await self.pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM worker_events WHERE status IN ('pending', 'processing'))"
            )
        )

    async def warm_up(self, consumers: int) -> None:
        """Open the consumers' connections and the LISTEN one, and prepare the claim on each (its
        first run also looks up the row types it returns, some 20 ms)."""
        if self._listener is None:
            await self._listen()
        connections = [await self.pool.acquire() for _ in range(min(consumers, self._pool_size))]
        try:
            for conn in connections:
                await conn.execute(_BEGIN)
                try:
                    await conn.fetch(_CLAIM, 0)
                finally:
                    await conn.execute("ROLLBACK")
        finally:
            for conn in connections:
                await self.pool.release(conn)

    async def wait_for_work(self, seconds: float) -> None:
        if self._listener is None or self._listener.is_closed():
            await self._listen()
        await super().wait_for_work(seconds)

    async def _listen(self) -> None:
        """A dedicated LISTEN connection; losing it loses hints only (polling goes on)."""
        try:
            listener = await asyncpg.connect(self.dsn)
            await listener.add_listener(NOTIFY_CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return
        self._listener = listener

    def _notified(self, *_: object) -> None:
        self.hint()

    # ------------------------------------------------------------------ dead letters, metrics, retention

    async def dead_letters(self, *, limit: int, after: str | None) -> list[DeadLetter]:
        rows = await self.pool.fetch(
            f"SELECT d.reason, d.error, d.attempts AS dead_attempts, d.dead_at, {_EVENT_COLUMNS} "
            f"FROM worker_dead_letters d JOIN {_EVENT_FROM} ON e.event_id = d.event_id "
            "WHERE ($1::text IS NULL OR (d.dead_at, d.event_id) > "
            "(SELECT dead_at, event_id FROM worker_dead_letters WHERE event_id = $1)) "
            "ORDER BY d.dead_at, d.event_id LIMIT $2",
            after,
            limit,
        )
        return [_dead_letter(row) for row in rows]

    async def dead_letter(self, event_id: str) -> DeadLetter | None:
        row = await self.pool.fetchrow(
            f"SELECT d.reason, d.error, d.attempts AS dead_attempts, d.dead_at, {_EVENT_COLUMNS} "
            f"FROM worker_dead_letters d JOIN {_EVENT_FROM} ON e.event_id = d.event_id "
            "WHERE d.event_id = $1",
            event_id,
        )
        return None if row is None else _dead_letter(row)

    async def replay(self, event_id: str) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            deleted = await conn.fetchval(
                "DELETE FROM worker_dead_letters WHERE event_id = $1 RETURNING event_id", event_id
            )
            if deleted is None:
                return False
            await conn.execute(
                "UPDATE worker_events SET status = 'pending', attempts = 0, outcome = NULL, result = NULL, "
                "available_at = now(), finished_at = NULL, locked_by = NULL, lease_expires_at = NULL "
                "WHERE event_id = $1",
                event_id,
            )
            await conn.execute(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')")
        return True

    async def discard(self, event_id: str) -> bool:
        deleted = await self.pool.fetchval(
            "DELETE FROM worker_dead_letters WHERE event_id = $1 RETURNING event_id", event_id
        )
        return deleted is not None

    async def metrics(self, *, window_seconds: float, node_timeout_seconds: float) -> QueueMetrics:
        async with self.pool.acquire() as conn:
            depth = {
                str(r["status"]): int(r["n"])
                for r in await conn.fetch("SELECT status, COUNT(*) AS n FROM worker_events GROUP BY status")
            }
            ready = await conn.fetchrow(
                "SELECT COUNT(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - MIN(available_at)), 0) AS lag "
                "FROM worker_events WHERE status = 'pending' AND available_at <= now()"
            )
            finished = await conn.fetchval(
                "SELECT COUNT(*) FROM worker_events WHERE finished_at >= now() - make_interval(secs => $1)",
                float(window_seconds),
            )
            dead = await conn.fetchval("SELECT COUNT(*) FROM worker_dead_letters")
            nodes = await conn.fetch(
                "SELECT * FROM worker_nodes WHERE stopped_at IS NULL "
                "AND heartbeat_at >= now() - make_interval(secs => $1) ORDER BY started_at",
                float(node_timeout_seconds),
            )
        return QueueMetrics(
            depth=depth,
            ready=int(ready["n"]),
            lag_seconds=max(0.0, float(ready["lag"])),
            finished_in_window=int(finished),
            window_seconds=window_seconds,
            dead_letters=int(dead),
            workers=tuple(_node(r) for r in nodes),
        )

    async def purge(self, *, older_than_seconds: float, limit: int) -> int:
        deleted = await self.pool.fetchval(
            "WITH gone AS (DELETE FROM worker_events WHERE seq IN ("
            " SELECT seq FROM worker_events WHERE status = 'done' AND finished_at IS NOT NULL"
            " AND finished_at < now() - make_interval(secs => $1) ORDER BY finished_at LIMIT $2)"
            " RETURNING 1) SELECT COUNT(*) FROM gone",
            float(older_than_seconds),
            limit,
        )
        return int(deleted)


def _dead_letter(row: Mapping[str, Any]) -> DeadLetter:
    return DeadLetter(
        event=_event(row),
        reason=EventStatus(row["reason"]),
        error=row["error"],
        attempts=int(row["dead_attempts"]),
        dead_at=row["dead_at"],
    )


def _node(row: Mapping[str, Any]) -> WorkerNode:
    return WorkerNode(
        worker_id=row["worker_id"],
        hostname=row["hostname"],
        pid=int(row["pid"]),
        concurrency=int(row["concurrency"]),
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        stopped_at=row["stopped_at"],
        processed=int(row["processed"]),
        failed=int(row["failed"]),
    )


async def _no_reset(conn: Any) -> None:
    """Release connections without asyncpg's reset round trip (an open transaction is still rolled back)."""

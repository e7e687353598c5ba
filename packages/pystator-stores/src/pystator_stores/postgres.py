"""``PostgresStateStore``: asyncpg pools, one round trip per committed transition.

A transition commit is a single SQL statement (data-modifying CTEs): it looks up the idempotency
key, compare-and-sets the version (``UPDATE ... SET version = version + 1 WHERE entity_id = $1 AND
version = $3``, or an ``INSERT ... ON CONFLICT DO NOTHING`` for a new entity), and appends the
history row, all in the statement's own transaction. A conflict or a repeated key writes nothing.

Async-native: the ``a``-prefixed methods run on the caller's event loop with a pool opened for that
loop. The sync methods run the same coroutines on a private event-loop thread (with its own pool),
so they may be called from any thread, including one that runs an event loop. Call ``close()`` (sync
side) and ``await aclose()`` (in each loop you used) when done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pystator.errors import EntityNotFoundError, StaleVersionError, StoreError
from pystator.stores import codec
from pystator.stores.checks import (
    check_entity_id,
    check_limit,
    check_state_write,
    machine_conflict,
    stale_version,
    transition_not_found,
)
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_stores._asyncpg import asyncpg
from pystator_stores._batching import Coalescer
from pystator_stores._loops import LoopLocal, LoopThread, PerLoop
from pystator_stores._parked import Parked
from pystator_stores._sync_twins import SyncTwins
from pystator_stores.migrations.postgres import postgres_upgrade
from pystator_stores.migrations.registry import select

__all__ = [
    "PostgresStateStore",
    "commit_encoded_on_connection",
    "commit_many_on_connection",
    "commit_on_connection",
    "encode_commit",
    "entity_from_row",
    "get_transition_on_connection",
    "history_on_connection",
    "load_entity_on_connection",
    "mark_actions_on_connection",
    "record_outcomes",
]

T = TypeVar("T")

_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_PENDING, _DONE = ActionsStatus.PENDING.value, ActionsStatus.DONE.value
_SYNCHRONOUS_COMMIT = ("on", "off", "local", "remote_write", "remote_apply")

_ENTITY_COLUMNS = "entity_id, machine, state, version, context, updated_at, metadata"
_TRANSITION_COLUMNS = (
    "entity_id, machine, version, from_state, to_state, trigger, occurred_at, event_id, idempotency_key, "
    "context_changes, actions, actions_status, action_outcomes, metadata"
)

_COMMIT = """
WITH dup AS (
    SELECT version FROM pystator_transitions
     WHERE $9::text IS NOT NULL AND entity_id = $1 AND idempotency_key = $9
),
cur AS (
    SELECT machine, version FROM pystator_entities WHERE entity_id = $1
),
upd AS (
    UPDATE pystator_entities
       SET machine = $2, state = $5, version = version + 1, context = $6::jsonb, metadata = $7::jsonb,
           updated_at = $8
     WHERE entity_id = $1 AND version = $3 AND $3 > 0 AND machine IN ('', $2)
       AND NOT EXISTS (SELECT 1 FROM dup)
    RETURNING version
),
ins AS (
    INSERT INTO pystator_entities (entity_id, machine, state, version, context, metadata,
                                   created_at, updated_at)
    SELECT $1, $2, $5, 1, $6::jsonb, $7::jsonb, $8, $8
     WHERE $3 = 0 AND NOT EXISTS (SELECT 1 FROM dup)
    ON CONFLICT (entity_id) DO NOTHING
    RETURNING version
),
applied AS (
    SELECT version FROM upd UNION ALL SELECT version FROM ins
),
hist AS (
    INSERT INTO pystator_transitions (entity_id, version, machine, from_state, to_state, trigger, occurred_at,
                                      event_id, idempotency_key, context_changes, actions, actions_status,
                                      action_outcomes, metadata)
    SELECT $1, version, $2, $4, $5, $10, $8, $11, $9, $12::jsonb, $13::jsonb, $14, '[]'::jsonb, $7::jsonb
      FROM applied
    RETURNING version
)
SELECT (SELECT version FROM hist) AS applied_version,
       (SELECT version FROM dup) AS duplicate_version,
       (SELECT machine FROM cur) AS current_machine,
       (SELECT version FROM cur) AS current_version
"""

# The same commit for many entities (distinct ids) in one statement: each input row is compared and
# set, and written with its history row and idempotency key, independently of the others; one
# result row per input row, in input order. Entity rows are locked in id order first, so that two
# such statements running at once over overlapping entities wait for each other instead of
# deadlocking.
_COMMIT_MANY = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[],
                         $13::text[], $14::text[])
        WITH ORDINALITY AS i(entity_id, machine, expected, from_state, to_state, context, metadata, at,
                             key, trigger, event_id, changes, actions, status, ord)
),
locked AS (
    SELECT entity_id, machine, version FROM pystator_entities
     WHERE entity_id = ANY($1::text[]) ORDER BY entity_id FOR UPDATE
),
dup AS (
    SELECT i.entity_id, t.version FROM input i JOIN pystator_transitions t
        ON t.entity_id = i.entity_id AND t.idempotency_key = i.key AND t.idempotency_key IS NOT NULL
),
upd AS (
    UPDATE pystator_entities e
       SET machine = i.machine, state = i.to_state, version = e.version + 1, context = i.context::jsonb,
           metadata = i.metadata::jsonb, updated_at = i.at
      FROM input i JOIN locked l ON l.entity_id = i.entity_id
     WHERE e.entity_id = i.entity_id AND e.version = i.expected AND i.expected > 0
       AND e.machine IN ('', i.machine)
       AND NOT EXISTS (SELECT 1 FROM dup d WHERE d.entity_id = i.entity_id)
    RETURNING e.entity_id, e.version
),
ins AS (
    INSERT INTO pystator_entities (entity_id, machine, state, version, context, metadata,
                                   created_at, updated_at)
    SELECT i.entity_id, i.machine, i.to_state, 1, i.context::jsonb, i.metadata::jsonb, i.at, i.at
      FROM input i
     WHERE i.expected = 0 AND NOT EXISTS (SELECT 1 FROM dup d WHERE d.entity_id = i.entity_id)
    ON CONFLICT (entity_id) DO NOTHING
    RETURNING entity_id, version
),
applied AS (
    SELECT entity_id, version FROM upd UNION ALL SELECT entity_id, version FROM ins
),
hist AS (
    INSERT INTO pystator_transitions (entity_id, version, machine, from_state, to_state, trigger, occurred_at,
                                      event_id, idempotency_key, context_changes, actions, actions_status,
                                      action_outcomes, metadata)
    SELECT i.entity_id, a.version, i.machine, i.from_state, i.to_state, i.trigger, i.at, i.event_id, i.key,
           i.changes::jsonb, i.actions::jsonb, i.status, '[]'::jsonb, i.metadata::jsonb
      FROM applied a JOIN input i ON i.entity_id = a.entity_id
    RETURNING entity_id, version
)
SELECT h.version AS applied_version, d.version AS duplicate_version, c.machine AS current_machine,
       c.version AS current_version
  FROM input i
  LEFT JOIN hist h ON h.entity_id = i.entity_id
  LEFT JOIN dup d ON d.entity_id = i.entity_id
  LEFT JOIN pystator_entities c ON c.entity_id = i.entity_id
 ORDER BY i.ord
"""

_MARK = (
    "UPDATE pystator_transitions SET action_outcomes = $3::jsonb, actions_status = $4 "
    f"WHERE entity_id = $1 AND version = $2 RETURNING {_TRANSITION_COLUMNS}"
)
# Several marks (distinct transitions) in one statement; a transition that does not exist returns no row.
_MARK_MANY = (
    "UPDATE pystator_transitions t SET action_outcomes = i.outcomes::jsonb, actions_status = i.status "
    "FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY "
    "AS i(entity_id, version, outcomes, status, ord) "
    "WHERE t.entity_id = i.entity_id AND t.version = i.version "
    "RETURNING i.ord, " + ", ".join(f"t.{column}" for column in _TRANSITION_COLUMNS.split(", "))
)
_LOAD_ONE = f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = $1"
_LOAD_MANY = f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = ANY($1::text[])"

_WRITE_STATE = """
WITH cur AS (
    SELECT version FROM pystator_entities WHERE entity_id = $1
),
upd AS (
    UPDATE pystator_entities SET state = $2, version = version + 1, metadata = $4::jsonb, updated_at = $5
     WHERE entity_id = $1 AND ($3::bigint IS NULL OR (version = $3 AND $3 > 0))
    RETURNING version
),
ins AS (
    INSERT INTO pystator_entities (entity_id, machine, state, version, context, metadata,
                                   created_at, updated_at)
    SELECT $1, '', $2, 1, '{}'::jsonb, $4::jsonb, $5, $5
     WHERE ($3::bigint IS NULL OR $3 = 0) AND NOT EXISTS (SELECT 1 FROM cur)
    ON CONFLICT (entity_id) DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM upd) AS updated, (SELECT version FROM ins) AS inserted,
       (SELECT version FROM cur) AS current_version
"""


def _entity(row: Mapping[str, Any]) -> EntityRecord:
    return codec.entity_from_columns(
        row["entity_id"],
        machine=row["machine"],
        state=row["state"],
        version=row["version"],
        context=row["context"],
        updated_at=row["updated_at"],
        metadata=row["metadata"],
    )


def _transition(row: Mapping[str, Any]) -> TransitionRecord:
    return codec.transition_from_columns(
        row["entity_id"],
        machine=row["machine"],
        version=row["version"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        trigger=row["trigger"],
        timestamp=row["occurred_at"],
        event_id=row["event_id"],
        idempotency_key=row["idempotency_key"],
        context_changes=row["context_changes"],
        actions=row["actions"],
        actions_status=row["actions_status"],
        action_outcomes=row["action_outcomes"],
        metadata=row["metadata"],
    )


@dataclass(frozen=True, slots=True)
class _Batchers:
    commits: Coalescer[tuple[TransitionCommit, datetime], CommitResult]
    loads: Coalescer[str, EntityRecord | None]
    marks: Coalescer[tuple[str, int, str, str], TransitionRecord]


class PostgresStateStore(SyncTwins):
    """Every store protocol (``FullStateStore``) on PostgreSQL.

    ``dsn`` is a ``postgresql://`` URL. With ``migrate`` (the default) the ``stores`` schema is created
    or upgraded when the first pool opens; set it to False where ``pystator db upgrade`` runs at deploy.
    ``min_size``/``max_size`` size each pool; other keyword arguments go to ``asyncpg.create_pool``.

    Concurrent operations of one event loop are coalesced: loads issued in the same loop iteration
    become one ``WHERE entity_id = ANY($1)`` query, commits one statement over arrays, each commit
    still compare-and-set on its own with its own outcome (``max_batch`` caps a batch; 1 turns
    coalescing off). ``synchronous_commit="off"`` sets that PostgreSQL setting on the store's
    connections: a commit then returns before its WAL record reaches the disk, so a crash of the
    *server* (not of the application) may lose the last fraction of a second of acknowledged
    commits, never part of one; the default (None) keeps the server's setting, durable unless
    configured otherwise.
    """

    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        clock: Callable[[], datetime] = codec.utc_now,
        migrate: bool = True,
        command_timeout: float | None = 60.0,
        max_batch: int = 256,
        synchronous_commit: str | None = None,
        **pool_options: Any,
    ) -> None:
        if isinstance(max_batch, bool) or not isinstance(max_batch, int) or max_batch < 1:
            raise ValueError(f"max_batch: expected an integer >= 1, got {max_batch!r}")
        if synchronous_commit is not None:
            if synchronous_commit not in _SYNCHRONOUS_COMMIT:
                raise ValueError(
                    f"synchronous_commit: expected one of {', '.join(_SYNCHRONOUS_COMMIT)} or None, "
                    f"got {synchronous_commit!r}"
                )
            settings = dict(pool_options.get("server_settings") or {})
            settings["synchronous_commit"] = synchronous_commit
            pool_options["server_settings"] = settings
        self.dsn = dsn
        self._clock = clock
        self._migrate = migrate
        self._pool_options: dict[str, Any] = {
            "min_size": min_size,
            "max_size": max_size,
            "command_timeout": command_timeout,
            "reset": _keep_session,
            **pool_options,
        }
        self._pools: PerLoop[asyncpg.Pool] = PerLoop(self._open_pool)
        self._max_batch = max_batch
        self._loop_batchers: LoopLocal[_Batchers] = LoopLocal(self._new_batchers)
        # One connection per loop kept out of the pool for whichever operation finds it free (see
        # _parked.py); not with a pool of one connection, which it would hold for good.
        self._parked: LoopLocal[Parked] | None = LoopLocal(Parked) if max_size >= 2 else None
        self._loop_thread = LoopThread("pystator-postgres")
        self._closed = False

    def __repr__(self) -> str:
        return f"PostgresStateStore({_redacted(self.dsn)!r})"

    # ------------------------------------------------------------------ pools, errors, sync bridge

    async def _open_pool(self) -> asyncpg.Pool:
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        try:
            pool = await asyncpg.create_pool(self.dsn, **self._pool_options)
            if self._migrate:
                async with pool.acquire() as conn:
                    await postgres_upgrade(conn, select(["stores"]))
                self._migrate = False
        except _DRIVER_ERRORS as exc:
            raise self._store_error(exc) from exc
        return pool

    async def _pool(self) -> asyncpg.Pool:
        return await self._pools.get()

    def _store_error(self, exc: BaseException) -> StoreError:
        """A driver error as a ``StoreError`` that says what to do (and never shows the password)."""
        if isinstance(exc, asyncpg.UndefinedTableError):
            return StoreError(
                f"PostgreSQL: the store's tables are missing ({exc}); run `pystator db upgrade` "
                "or open the store with migrate=True"
            )
        if isinstance(exc, asyncpg.PostgresError):
            return StoreError(f"PostgreSQL: {type(exc).__name__}: {exc}")
        return StoreError(f"PostgreSQL at {_redacted(self.dsn)}: {type(exc).__name__}: {exc}")

    def _run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise StoreError(f"{self!r} is closed")
        return self._loop_thread.run(coro)

    async def _on_connection(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        """``operation(connection)`` on the loop's parked connection when free, else on a pooled one."""
        pool = await self._pool()
        if self._parked is None:
            async with pool.acquire() as conn:
                return await operation(conn)
        return await self._parked.get().run(pool, operation)

    async def _fetchrow(self, sql: str, *args: Any) -> Any:
        try:
            return await self._on_connection(lambda conn: conn.fetchrow(sql, *args))
        except _DRIVER_ERRORS as exc:
            raise self._store_error(exc) from exc

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        try:
            return list(await self._on_connection(lambda conn: conn.fetch(sql, *args)))
        except _DRIVER_ERRORS as exc:
            raise self._store_error(exc) from exc

    # ------------------------------------------------------------------ plain state and context

    async def aget_state(self, entity_id: str) -> str | None:
        row = await self._fetchrow("SELECT state FROM pystator_entities WHERE entity_id = $1", entity_id)
        return None if row is None else str(row["state"])

    async def aset_state(
        self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
    ) -> None:
        await self.aset_state_versioned(entity_id, state, metadata=metadata)

    async def aget_context(self, entity_id: str) -> dict[str, Any]:
        row = await self._fetchrow("SELECT context FROM pystator_entities WHERE entity_id = $1", entity_id)
        return (
            {} if row is None else codec.decode_object(row["context"], entity_id=entity_id, column="context")
        )

    async def aset_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        check_entity_id(entity_id)
        encoded = codec.encode_json(codec.plain(ctx), field="context")
        row = await self._fetchrow(
            "UPDATE pystator_entities SET context = $2::jsonb, updated_at = $3 WHERE entity_id = $1 "
            "RETURNING version",
            entity_id,
            encoded,
            self._clock(),
        )
        if row is None:
            raise EntityNotFoundError(f"entity {entity_id!r} is not stored", entity_id=entity_id)

    async def aget_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        row = await self._fetchrow(
            "SELECT state, version FROM pystator_entities WHERE entity_id = $1", entity_id
        )
        return (None, 0) if row is None else (str(row["state"]), int(row["version"]))

    async def aset_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        check_state_write(entity_id, state, expected_version)
        encoded = codec.encode_json(codec.plain(metadata or {}), field="metadata")
        pool = await self._pool()
        try:
            return await self._write_state(
                pool, entity_id, state, expected=expected_version, metadata=encoded, now=self._clock()
            )
        except _DRIVER_ERRORS as exc:
            raise self._store_error(exc) from exc

    @staticmethod
    async def _write_state(
        conn: Any, entity_id: str, state: str, *, expected: int | None, metadata: str, now: datetime
    ) -> int:
        row = await conn.fetchrow(_WRITE_STATE, entity_id, state, expected, metadata, now)
        version = row["updated"] or row["inserted"]
        if version is not None:
            return int(version)
        if expected is None:  # an unconditional create lost a race with a concurrent create
            return await PostgresStateStore._write_state(
                conn, entity_id, state, expected=expected, metadata=metadata, now=now
            )
        current = row["current_version"]
        raise stale_version(entity_id, expected, None if current == expected else int(current or 0))

    # ------------------------------------------------------------------ batch

    async def aget_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        rows = await self._fetch(
            "SELECT entity_id, state FROM pystator_entities WHERE entity_id = ANY($1::text[])",
            list(entity_ids),
        )
        return {str(row["entity_id"]): str(row["state"]) for row in rows}

    async def aload_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        rows = await self._fetch(
            f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = ANY($1::text[])",
            list(entity_ids),
        )
        return {str(row["entity_id"]): _entity(row) for row in rows}

    async def aset_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        for entity_id, state in states.items():
            check_state_write(entity_id, state, None)
        encoded = codec.encode_json(codec.plain(metadata or {}), field="metadata")
        now = self._clock()
        pool = await self._pool()
        try:
            async with pool.acquire() as conn, conn.transaction():
                return {
                    eid: await self._write_state(conn, eid, state, expected=None, metadata=encoded, now=now)
                    for eid, state in states.items()
                }
        except _DRIVER_ERRORS as exc:
            raise self._store_error(exc) from exc

    # ------------------------------------------------------------------ queries

    async def alist_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        check_limit(limit)
        rows = await self._fetch(
            f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities "
            "WHERE machine = $1 AND ($2::text IS NULL OR state = $2) "
            "AND ($3::text IS NULL OR entity_id > $3) "
            "ORDER BY entity_id LIMIT $4",
            machine,
            state,
            after,
            limit + 1,
        )
        items = tuple(_entity(row) for row in rows[:limit])
        return EntityPage(items, items[-1].entity_id if len(rows) > limit else None)

    async def acount_by_state(self, machine: str) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT state, COUNT(*) AS n FROM pystator_entities WHERE machine = $1 GROUP BY state", machine
        )
        return {str(row["state"]): int(row["n"]) for row in rows}

    # ------------------------------------------------------------------ audit

    async def ahistory(
        self, entity_id: str, *, after_version: int = 0, limit: int = 100
    ) -> list[TransitionRecord]:
        check_limit(limit)
        rows = await self._fetch(
            f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = $1 AND version > $2 "
            "ORDER BY version LIMIT $3",
            entity_id,
            after_version,
            limit,
        )
        return [_transition(row) for row in rows]

    async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        row = await self._fetchrow(
            f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = $1 AND version = $2",
            entity_id,
            version,
        )
        return None if row is None else _transition(row)

    # ------------------------------------------------------------------ transactional

    def _batchers(self) -> _Batchers:
        """The running loop's coalescers (see ``_batching.py``)."""
        return self._loop_batchers.get()

    def _new_batchers(self) -> _Batchers:
        return _Batchers(
            Coalescer(self._commit_one, self._commit_many, max_batch=self._max_batch),
            Coalescer(self._load_one, self._load_many, max_batch=self._max_batch, ordered=False),
            Coalescer(self._mark_one, self._mark_many, max_batch=self._max_batch),
        )

    async def aload_entity(self, entity_id: str) -> EntityRecord | None:
        if self._max_batch < 2:
            return await self._load_one(entity_id)
        return await self._batchers().loads.submit(entity_id, entity_id)

    async def _load_one(self, entity_id: str) -> EntityRecord | None:
        row = await self._fetchrow(_LOAD_ONE, entity_id)
        return None if row is None else _entity(row)

    async def _load_many(self, entity_ids: Sequence[str]) -> list[EntityRecord | Exception | None]:
        rows = await self._fetch(_LOAD_MANY, list(set(entity_ids)))
        found = {row["entity_id"]: row for row in rows}
        records: list[EntityRecord | Exception | None] = []
        for entity_id in entity_ids:
            row = found.get(entity_id)
            try:
                records.append(None if row is None else _entity(row))
            except StoreError as exc:  # a corrupted row fails its own readers only
                records.append(exc)
        return records

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult:
        now = commit.timestamp or self._clock()
        if self._max_batch < 2:
            return await self._commit_one((commit, now))
        return await self._batchers().commits.submit(commit.entity_id, (commit, now))

    async def _commit_one(self, item: tuple[TransitionCommit, datetime]) -> CommitResult:
        commit, now = item
        for attempt in (1, 2):
            try:
                return await self._on_connection(lambda conn: commit_on_connection(conn, commit, now=now))
            except asyncpg.UniqueViolationError as exc:
                if attempt == 2:
                    raise self._store_error(exc) from exc
                # A concurrent commit with the same idempotency key won; this run now finds it.
            except _DRIVER_ERRORS as exc:
                raise self._store_error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _commit_many(
        self, items: Sequence[tuple[TransitionCommit, datetime]]
    ) -> Sequence[CommitResult | BaseException]:
        try:
            return await self._on_connection(lambda conn: commit_many_on_connection(conn, items))
        except _DRIVER_ERRORS:
            # The statement failed as a whole and wrote nothing (a concurrent commit of the same
            # idempotency key, a deadlock with another writer, ...): commit each alone, so that
            # each gets its own outcome.
            return await asyncio.gather(*(self._commit_one(item) for item in items), return_exceptions=True)

    async def amark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        mark = (
            entity_id,
            version,
            codec.encode_outcomes(list(outcomes)),
            ActionsStatus.from_outcomes(outcomes).value,
        )
        if self._max_batch < 2:
            return await self._mark_one(mark)
        return await self._batchers().marks.submit((entity_id, version), mark)

    async def _mark_one(self, mark: tuple[str, int, str, str]) -> TransitionRecord:
        row = await self._fetchrow(_MARK, *mark)
        if row is None:
            raise transition_not_found(mark[0], mark[1])
        return _transition(row)

    async def _mark_many(
        self, marks: Sequence[tuple[str, int, str, str]]
    ) -> Sequence[TransitionRecord | BaseException]:
        try:
            rows = await self._fetch(_MARK_MANY, *(list(column) for column in zip(*marks, strict=True)))
        except StoreError:  # the statement failed as a whole (nothing written): each alone
            return await asyncio.gather(*(self._mark_one(mark) for mark in marks), return_exceptions=True)
        found = {int(row["ord"]): row for row in rows}
        records: list[TransitionRecord | BaseException] = []
        for index, (entity_id, version, _, _) in enumerate(marks, start=1):
            row = found.get(index)
            try:
                records.append(transition_not_found(entity_id, version) if row is None else _transition(row))
            except StoreError as exc:
                records.append(exc)
        return records

    async def apending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        check_limit(limit)
        rows = await self._fetch(
            f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE actions_status = 'pending' "
            "AND ($1::text IS NULL OR machine = $1) AND ($2::timestamptz IS NULL OR occurred_at < $2) "
            "ORDER BY occurred_at, entity_id, version LIMIT $3",
            machine,
            before,
            limit,
        )
        return [_transition(row) for row in rows]

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close the pool of the running loop, the private loop's pool and thread, and any other pool."""
        self._closed = True
        current = asyncio.get_running_loop()
        mine = self._pools.take(current)
        if mine is not None:
            await self._close_loop_pool(mine)
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        """Close the sync side (private loop, its pool); pools of other loops are terminated."""
        self._closed = True
        if self._loop_thread.started:
            private = self._pools.take(self._loop_thread.loop)
            if private is not None:
                self._loop_thread.run(self._close_loop_pool(private))
        for future in self._pools.take_all().values():
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().terminate()
        self._loop_thread.stop()

    async def _close_loop_pool(self, future: asyncio.Future[asyncpg.Pool]) -> None:
        """Close the running loop's pool (``future``), its parked connection given back first."""
        if self._parked is not None and future.done() and not future.cancelled() and not future.exception():
            await self._parked.get().release(future.result())
        await _close_pool_future(future)

    def __enter__(self) -> PostgresStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------- transaction-scoped hooks
#
# The worker queue (pystator-worker) applies an event in ONE transaction of its own: claim the event
# row, lock the entity, commit the transition, mark the event done, COMMIT. These functions run the
# store's own SQL on a connection the caller holds, inside the caller's transaction (or in autocommit
# mode when there is none), so that nothing of the store's schema is duplicated elsewhere. They raise
# the same errors as the store's methods (``StaleVersionError``, ``StoreError`` CONFLICT) but do not
# translate driver errors: the caller owns the connection and decides what to roll back.


def entity_from_row(row: Mapping[str, Any]) -> EntityRecord:
    """An ``EntityRecord`` from a ``pystator_entities`` row (or that table's composite value), as
    read by asyncpg."""
    return _entity(row)


async def load_entity_on_connection(
    conn: Any, entity_id: str, *, for_update: bool = False
) -> EntityRecord | None:
    """The entity as ``aload_entity`` reads it; ``for_update`` also locks its row until the end of
    the transaction."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = $1{lock}", entity_id
    )
    return None if row is None else _entity(row)


async def history_on_connection(
    conn: Any, entity_id: str, *, after_version: int = 0, limit: int = 100
) -> list[TransitionRecord]:
    """``ahistory`` on ``conn``: transitions above ``after_version``, oldest first."""
    check_limit(limit)
    rows = await conn.fetch(
        f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = $1 AND version > $2 "
        "ORDER BY version LIMIT $3",
        entity_id,
        after_version,
        limit,
    )
    return [_transition(row) for row in rows]


async def get_transition_on_connection(conn: Any, entity_id: str, version: int) -> TransitionRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = $1 AND version = $2",
        entity_id,
        version,
    )
    return None if row is None else _transition(row)


async def mark_actions_on_connection(
    conn: Any, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
) -> bool:
    """``amark_actions`` on ``conn`` without reading the row back; False when there is no such row."""
    status = await conn.execute(
        "UPDATE pystator_transitions SET action_outcomes = $3::jsonb, actions_status = $4 "
        "WHERE entity_id = $1 AND version = $2",
        entity_id,
        version,
        codec.encode_outcomes(list(outcomes)),
        ActionsStatus.from_outcomes(outcomes).value,
    )
    return bool(status != "UPDATE 0")


async def commit_on_connection(conn: Any, commit: TransitionCommit, *, now: datetime) -> CommitResult:
    """``acommit_transition`` on ``conn``: the one-statement compare-and-set, state, history row and
    idempotency key, written as part of whatever transaction ``conn`` is in."""
    args = _commit_args(commit, now)
    row = await conn.fetchrow(_COMMIT, *args)
    return await _commit_outcome(conn, commit, now, row)


async def commit_many_on_connection(
    conn: Any, commits: Sequence[tuple[TransitionCommit, datetime]]
) -> list[CommitResult | Exception]:
    """Several commits of distinct entities in one statement (see ``_COMMIT_MANY``): each its own
    compare-and-set and outcome, the result or the error ``commit_on_connection`` would raise.

    Written as part of whatever transaction ``conn`` is in; a driver error fails the statement as a
    whole (nothing written) and is raised.
    """
    columns: list[list[Any]] = [[] for _ in range(14)]
    for commit, now in commits:
        for column, value in zip(columns, _commit_args(commit, now), strict=True):
            column.append(value)
    rows = await conn.fetch(_COMMIT_MANY, *columns)
    outcomes: list[CommitResult | Exception] = []
    for (commit, now), row in zip(commits, rows, strict=True):
        try:
            outcomes.append(await _commit_outcome(conn, commit, now, row))
        except (StaleVersionError, StoreError) as exc:
            outcomes.append(exc)
    return outcomes


def _commit_args(commit: TransitionCommit, now: datetime) -> tuple[Any, ...]:
    """The 14 parameters of ``_COMMIT`` (and the 14 columns of ``_COMMIT_MANY``) for one commit."""
    context = codec.encode_json(codec.plain(commit.context), field="context")
    metadata = codec.encode_json(codec.plain(commit.metadata), field="metadata") if commit.metadata else "{}"
    changes = commit.context_changes
    changes_text = codec.encode_json(codec.plain(changes), field="context_changes") if changes else "{}"
    if commit.actions:
        actions, status = codec.encode_actions(commit.actions), _PENDING
    else:
        actions, status = "[]", _DONE
    return (
        commit.entity_id,
        commit.machine,
        commit.expected_version or 0,
        commit.from_state,
        commit.to_state,
        context,
        metadata,
        now,
        commit.idempotency_key,
        commit.trigger,
        commit.event_id,
        changes_text,
        actions,
        status,
    )


async def _commit_outcome(conn: Any, commit: TransitionCommit, now: datetime, row: Any) -> CommitResult:
    applied, duplicate, current_machine, current = row
    if applied is not None:
        status = ActionsStatus.PENDING if commit.actions else ActionsStatus.DONE
        return codec.committed_records(commit, version=int(applied), timestamp=now, actions_status=status)
    if duplicate is not None:
        first = await get_transition_on_connection(conn, commit.entity_id, int(duplicate))
        record = await load_entity_on_connection(conn, commit.entity_id)
        if first is None or record is None:
            raise StoreError(
                f"entity {commit.entity_id!r}: the first commit of this idempotency key vanished",
                context={"entity_id": commit.entity_id, "version": duplicate},
            )
        return CommitResult(record, first, duplicate=True)
    if current_machine is not None and current_machine not in ("", commit.machine):
        raise machine_conflict(commit.entity_id, str(current_machine), commit.machine)
    expected = commit.expected_version or 0
    actual = 0 if current is None and expected > 0 else current
    raise stale_version(commit.entity_id, expected, None if actual in (None, expected) else int(actual))


# ``_COMMIT`` with the actions' outcomes known before the row is written (effects ran before the
# commit), so that the history row is written once, not written and then updated.
_COMMIT_RECORDED = _COMMIT.replace("'[]'::jsonb", "$15::jsonb")
if "$15" not in _COMMIT_RECORDED:  # whoever edits _COMMIT learns it at import, not in production
    raise RuntimeError("_COMMIT no longer inserts '[]'::jsonb action outcomes: update _COMMIT_RECORDED")


def encode_commit(commit: TransitionCommit, *, now: datetime) -> list[Any]:
    """The arguments of one commit for ``commit_encoded_on_connection``, encoded now, so that a value
    that cannot be stored raises here (``ValueError``), not in the middle of a batch's write."""
    return [*_commit_args(commit, commit.timestamp or now), "[]"]


def record_outcomes(encoded: list[Any], outcomes: Sequence[ActionOutcome]) -> None:
    """Write the actions' outcomes into an ``encode_commit`` result (its history row then has them)."""
    recorded = codec.encode_outcomes(list(outcomes))
    encoded[13], encoded[14] = ActionsStatus.from_outcomes(outcomes).value, recorded


async def commit_encoded_on_connection(conn: Any, encoded: Sequence[Sequence[Any]]) -> list[int | None]:
    """Several ``commit_on_connection`` (``encode_commit`` results) in one pipelined round trip.

    Returns each commit's applied version, None where it wrote nothing (a repeated idempotency key, a
    version or machine conflict): the caller, which expected every one to apply, must then roll back.
    """
    if not encoded:
        return []
    rows = await conn.fetchmany(_COMMIT_RECORDED, [tuple(args) for args in encoded])
    return [None if row["applied_version"] is None else int(row["applied_version"]) for row in rows]


async def _keep_session(conn: Any) -> None:
    """Release a connection to the pool without asyncpg's default reset query.

    The default (``RESET ALL``, ``UNLISTEN *``, ...) costs one more round trip on every release; this
    store sets no session state (asyncpg still rolls back a transaction left open), so there is
    nothing to reset.
    """


async def _close_pool_future(future: asyncio.Future[Any]) -> None:
    try:
        pool = await future
    except Exception:
        return
    await pool.close()


def _redacted(dsn: str) -> str:
    """The DSN without its password, for messages."""
    if "@" not in dsn or "://" not in dsn:
        return dsn
    scheme, rest = dsn.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"

"""``SQLiteStateStore``: the embedded default, stdlib ``sqlite3`` in WAL mode.

Safe for several threads and several processes on one machine: every write is one ``BEGIN
IMMEDIATE`` transaction (the database's single writer lock, waited for up to ``timeout`` seconds),
so the version compare-and-set, the state and context, the history row and the idempotency key
commit together or not at all. Each thread uses its own connection; the async twins run the sync
methods on a small private thread pool. ``synchronous=FULL`` by default: a committed transition
survives a power cut, not only a crash of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Literal, ParamSpec, TypeVar

from pystator.errors import EntityNotFoundError, StoreError
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
from pystator.stores.twins import AsyncTwins
from pystator_stores.migrations.registry import select
from pystator_stores.migrations.sqlite import sqlite_upgrade
from pystator_stores.urls import DEFAULT_SQLITE_PATH

__all__ = [
    "SQLiteStateStore",
    "commit_on_connection",
    "get_transition_on_connection",
    "history_on_connection",
    "load_entity_on_connection",
    "mark_actions_on_connection",
]

P = ParamSpec("P")
T = TypeVar("T")

_ENTITY_COLUMNS = "entity_id, machine, state, version, context, updated_at, metadata"
_TRANSITION_COLUMNS = (
    "entity_id, machine, version, from_state, to_state, trigger, occurred_at, event_id, idempotency_key, "
    "context_changes, actions, actions_status, action_outcomes, metadata"
)
_BATCH = 500  # ids per IN (...) query, well under SQLite's bound-variable limit


def _entity(row: tuple[Any, ...]) -> EntityRecord:
    entity_id, machine, state, version, context, updated_at, metadata = row
    return codec.entity_from_columns(
        entity_id,
        machine=machine,
        state=state,
        version=version,
        context=context,
        updated_at=updated_at,
        metadata=metadata,
    )


def _transition(row: tuple[Any, ...]) -> TransitionRecord:
    (eid, machine, version, from_state, to_state, trigger, occurred_at, event_id, key, changes, actions,
     status, outcomes, metadata) = row  # fmt: skip
    return codec.transition_from_columns(
        eid,
        machine=machine,
        version=version,
        from_state=from_state,
        to_state=to_state,
        trigger=trigger,
        timestamp=occurred_at,
        event_id=event_id,
        idempotency_key=key,
        context_changes=changes,
        actions=actions,
        actions_status=status,
        action_outcomes=outcomes,
        metadata=metadata,
    )


class SQLiteStateStore(AsyncTwins):
    """Every store protocol (``FullStateStore``) on one SQLite file.

    ``path`` defaults to ``pystator.db`` in the working directory. With ``migrate`` (the default) the
    schema is created or upgraded when the store opens.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_SQLITE_PATH,
        *,
        clock: Callable[[], datetime] = codec.utc_now,
        timeout: float = 30.0,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        migrate: bool = True,
        async_threads: int = 4,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous: expected 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = os.fspath(path)
        if self.path == ":memory:":
            raise ValueError("SQLiteStateStore needs a file; use InMemoryStateStore for memory")
        self._clock = clock
        self._timeout = timeout
        self._synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=async_threads, thread_name_prefix="pystator-sqlite")
        self._closed = False
        if migrate:
            with self._translated():
                sqlite_upgrade(self._conn(), select(["stores"]))

    def __repr__(self) -> str:
        return f"SQLiteStateStore({self.path!r})"

    # ------------------------------------------------------------------ connections and transactions

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise StoreError(f"SQLiteStateStore({self.path!r}) is closed")
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        self._local.conn = conn
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors become ``StoreError``s that say what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if "no such table" in message:
                raise StoreError(
                    f"{self.path}: the store's tables are missing ({message}); run `pystator db upgrade` "
                    "or open the store with migrate=True",
                ) from exc
            raise StoreError(f"{self.path}: {message}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._translated():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _fetchone(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        with self._translated():
            row: tuple[Any, ...] | None = self._conn().execute(sql, params).fetchone()
            return row

    def _fetchall(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._translated():
            return list(self._conn().execute(sql, params).fetchall())

    async def _run_sync(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    # ------------------------------------------------------------------ plain state and context

    def get_state(self, entity_id: str) -> str | None:
        row = self._fetchone("SELECT state FROM pystator_entities WHERE entity_id = ?", (entity_id,))
        return None if row is None else str(row[0])

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.set_state_versioned(entity_id, state, metadata=metadata)

    def get_context(self, entity_id: str) -> dict[str, Any]:
        row = self._fetchone("SELECT context FROM pystator_entities WHERE entity_id = ?", (entity_id,))
        return {} if row is None else codec.decode_object(row[0], entity_id=entity_id, column="context")

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        check_entity_id(entity_id)
        encoded = codec.encode_json(codec.plain(ctx), field="context")
        now = codec.encode_timestamp(self._clock())
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE pystator_entities SET context = ?, updated_at = ? WHERE entity_id = ?",
                (encoded, now, entity_id),
            )
            if cursor.rowcount == 0:
                raise EntityNotFoundError(f"entity {entity_id!r} is not stored", entity_id=entity_id)

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        row = self._fetchone("SELECT state, version FROM pystator_entities WHERE entity_id = ?", (entity_id,))
        return (None, 0) if row is None else (str(row[0]), int(row[1]))

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        check_state_write(entity_id, state, expected_version)
        encoded = codec.encode_json(codec.plain(metadata or {}), field="metadata")
        now = codec.encode_timestamp(self._clock())
        with self._write() as conn:
            return self._write_state(
                conn, entity_id, state, expected=expected_version, metadata=encoded, now=now
            )

    @staticmethod
    def _write_state(
        conn: sqlite3.Connection, entity_id: str, state: str, *, expected: int | None, metadata: str, now: str
    ) -> int:
        row = conn.execute(
            "SELECT version FROM pystator_entities WHERE entity_id = ?", (entity_id,)
        ).fetchone()
        actual = 0 if row is None else int(row[0])
        if expected is not None and expected != actual:
            raise stale_version(entity_id, expected, actual)
        if row is None:
            conn.execute(
                "INSERT INTO pystator_entities (entity_id, machine, state, version, context, metadata, "
                "created_at, updated_at) VALUES (?, '', ?, 1, '{}', ?, ?, ?)",
                (entity_id, state, metadata, now, now),
            )
            return 1
        conn.execute(
            "UPDATE pystator_entities SET state = ?, version = version + 1, metadata = ?, updated_at = ? "
            "WHERE entity_id = ?",
            (state, metadata, now, entity_id),
        )
        return actual + 1

    # ------------------------------------------------------------------ batch

    def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(entity_ids):
            marks = ", ".join("?" * len(chunk))
            rows = self._fetchall(
                f"SELECT entity_id, state FROM pystator_entities WHERE entity_id IN ({marks})", chunk
            )
            found.update((str(eid), str(state)) for eid, state in rows)
        return found

    def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        found: dict[str, EntityRecord] = {}
        for chunk in _chunks(entity_ids):
            marks = ", ".join("?" * len(chunk))
            rows = self._fetchall(
                f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id IN ({marks})", chunk
            )
            found.update((str(row[0]), _entity(row)) for row in rows)
        return found

    def set_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        for entity_id, state in states.items():
            check_state_write(entity_id, state, None)
        encoded = codec.encode_json(codec.plain(metadata or {}), field="metadata")
        now = codec.encode_timestamp(self._clock())
        with self._write() as conn:
            return {
                eid: self._write_state(conn, eid, state, expected=None, metadata=encoded, now=now)
                for eid, state in states.items()
            }

    # ------------------------------------------------------------------ queries

    def list_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        check_limit(limit)
        sql = f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE machine = ?"
        params: list[Any] = [machine]
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        if after is not None:
            sql += " AND entity_id > ?"
            params.append(after)
        rows = self._fetchall(sql + " ORDER BY entity_id LIMIT ?", [*params, limit + 1])
        items = tuple(_entity(row) for row in rows[:limit])
        return EntityPage(items, items[-1].entity_id if len(rows) > limit else None)

    def count_by_state(self, machine: str) -> dict[str, int]:
        rows = self._fetchall(
            "SELECT state, COUNT(*) FROM pystator_entities WHERE machine = ? GROUP BY state", (machine,)
        )
        return {str(state): int(count) for state, count in rows}

    # ------------------------------------------------------------------ audit

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        check_limit(limit)
        rows = self._fetchall(
            f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND version > ? "
            "ORDER BY version LIMIT ?",
            (entity_id, after_version, limit),
        )
        return [_transition(row) for row in rows]

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        row = self._fetchone(
            f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND version = ?",
            (entity_id, version),
        )
        return None if row is None else _transition(row)

    # ------------------------------------------------------------------ transactional

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        row = self._fetchone(
            f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = ?", (entity_id,)
        )
        return None if row is None else _entity(row)

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        now = commit.timestamp or self._clock()
        with self._write() as conn:
            return commit_on_connection(conn, commit, now=now)

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        encoded = codec.encode_outcomes(list(outcomes))
        status = ActionsStatus.from_outcomes(outcomes)
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE pystator_transitions SET action_outcomes = ?, actions_status = ? "
                "WHERE entity_id = ? AND version = ?",
                (encoded, status.value, entity_id, version),
            )
            if cursor.rowcount == 0:
                raise transition_not_found(entity_id, version)
            row = conn.execute(
                f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND version = ?",
                (entity_id, version),
            ).fetchone()
        return _transition(row)

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        check_limit(limit)
        sql = f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE actions_status = 'pending'"
        params: list[Any] = []
        if machine is not None:
            sql += " AND machine = ?"
            params.append(machine)
        if before is not None:
            sql += " AND occurred_at < ?"
            params.append(codec.encode_timestamp(before))
        rows = self._fetchall(sql + " ORDER BY occurred_at, entity_id, version LIMIT ?", [*params, limit])
        return [_transition(row) for row in rows]

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close every connection and the async thread pool; the store cannot be used afterwards."""
        self._closed = True
        self._executor.shutdown(wait=True)
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def __enter__(self) -> SQLiteStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------- transaction-scoped hooks
#
# The worker queue (pystator-worker) applies an event in ONE ``BEGIN IMMEDIATE`` transaction of its
# own: claim the event row, load the entity, commit the transition, mark the event done, COMMIT.
# These functions run the store's own SQL on a connection the caller holds (``isolation_level=None``),
# inside the caller's transaction, so that nothing of the store's schema is duplicated elsewhere.


def load_entity_on_connection(conn: sqlite3.Connection, entity_id: str) -> EntityRecord | None:
    row = conn.execute(
        f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = ?", (entity_id,)
    ).fetchone()
    return None if row is None else _entity(row)


def history_on_connection(
    conn: sqlite3.Connection, entity_id: str, *, after_version: int = 0, limit: int = 100
) -> list[TransitionRecord]:
    check_limit(limit)
    rows = conn.execute(
        f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND version > ? "
        "ORDER BY version LIMIT ?",
        (entity_id, after_version, limit),
    ).fetchall()
    return [_transition(row) for row in rows]


def get_transition_on_connection(
    conn: sqlite3.Connection, entity_id: str, version: int
) -> TransitionRecord | None:
    row = conn.execute(
        f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND version = ?",
        (entity_id, version),
    ).fetchone()
    return None if row is None else _transition(row)


def mark_actions_on_connection(
    conn: sqlite3.Connection, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
) -> bool:
    """``mark_actions`` on ``conn`` (in the caller's transaction); False when there is no such row."""
    cursor = conn.execute(
        "UPDATE pystator_transitions SET action_outcomes = ?, actions_status = ? "
        "WHERE entity_id = ? AND version = ?",
        (
            codec.encode_outcomes(list(outcomes)),
            ActionsStatus.from_outcomes(outcomes).value,
            entity_id,
            version,
        ),
    )
    return cursor.rowcount > 0


def commit_on_connection(
    conn: sqlite3.Connection, commit: TransitionCommit, *, now: datetime
) -> CommitResult:
    """``commit_transition`` inside the caller's open write transaction on ``conn``."""
    entity_id = commit.entity_id
    context = codec.encode_json(codec.plain(commit.context), field="context")
    metadata = codec.encode_json(codec.plain(commit.metadata), field="metadata")
    changes = codec.encode_json(codec.plain(commit.context_changes), field="context_changes")
    actions = codec.encode_actions(commit.actions)
    status = ActionsStatus.PENDING if commit.actions else ActionsStatus.DONE
    stamp = codec.encode_timestamp(now)
    if commit.idempotency_key is not None:
        duplicate = _duplicate(conn, entity_id, commit.idempotency_key)
        if duplicate is not None:
            return duplicate
    row = conn.execute(
        "SELECT machine, version FROM pystator_entities WHERE entity_id = ?", (entity_id,)
    ).fetchone()
    if row is not None and row[0] not in ("", commit.machine):
        raise machine_conflict(entity_id, str(row[0]), commit.machine)
    actual = 0 if row is None else int(row[1])
    if (commit.expected_version or 0) != actual:
        raise stale_version(entity_id, commit.expected_version or 0, actual)
    version = actual + 1
    if row is None:
        conn.execute(
            "INSERT INTO pystator_entities (entity_id, machine, state, version, context, metadata, "
            "created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            (entity_id, commit.machine, commit.to_state, context, metadata, stamp, stamp),
        )
    else:
        conn.execute(
            "UPDATE pystator_entities SET machine = ?, state = ?, version = ?, context = ?, "
            "metadata = ?, updated_at = ? WHERE entity_id = ?",
            (commit.machine, commit.to_state, version, context, metadata, stamp, entity_id),
        )
    transition_row = (
        entity_id,
        commit.machine,
        version,
        commit.from_state,
        commit.to_state,
        commit.trigger,
        stamp,
        commit.event_id,
        commit.idempotency_key,
        changes,
        actions,
        status.value,
        "[]",
        metadata,
    )
    conn.execute(
        f"INSERT INTO pystator_transitions ({_TRANSITION_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        transition_row,
    )
    return codec.committed_records(commit, version=version, timestamp=now, actions_status=status)


def _duplicate(conn: sqlite3.Connection, entity_id: str, key: str) -> CommitResult | None:
    first = conn.execute(
        f"SELECT {_TRANSITION_COLUMNS} FROM pystator_transitions WHERE entity_id = ? AND idempotency_key = ?",
        (entity_id, key),
    ).fetchone()
    if first is None:
        return None
    current = conn.execute(
        f"SELECT {_ENTITY_COLUMNS} FROM pystator_entities WHERE entity_id = ?", (entity_id,)
    ).fetchone()
    if current is None:
        raise StoreError(
            f"entity {entity_id!r} has history but no entity row", context={"entity_id": entity_id}
        )
    return CommitResult(_entity(current), _transition(first), duplicate=True)


def _chunks(entity_ids: Iterable[str]) -> Iterator[list[str]]:
    ids = list(dict.fromkeys(entity_ids))
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]

"""``InMemoryStateStore``: every store capability in process memory, thread-safe, nothing durable.

Values are kept as private copies of their JSON form: contexts as copies (``snapshot.freeze``, read
on every load), metadata and the history's context changes packed (``packed``, written on every
commit, seldom read). What you read back is a fresh copy, a value that is not JSON is refused at
write time, and the store behaves like the others in every test of the conformance suite. The async
twins run the sync methods inline: there is no I/O to wait for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

from pystator.errors import EntityNotFoundError
from pystator.stores import _build, codec
from pystator.stores._fastinit import unfrozen_twin
from pystator.stores.checks import (
    check_entity_id,
    check_limit,
    check_state_write,
    machine_conflict,
    stale_version,
    transition_not_found,
)
from pystator.stores.packed import Packed, pack_object, unpack_object
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator.stores.snapshot import EMPTY, Frozen, freeze_object, thaw_object
from pystator.stores.twins import AsyncTwins

__all__ = ["InMemoryStateStore"]

_EMPTY_LIST = "[]"
# Module constants: an enum member's attribute lookup costs more than the rest of a line of the commit.
_PENDING_STATUS, _DONE_STATUS = ActionsStatus.PENDING, ActionsStatus.DONE
_PENDING, _DONE = _PENDING_STATUS.value, _DONE_STATUS.value
_NO_ACTIONS: Final = (_EMPTY_LIST, _DONE_STATUS, _DONE)  # encoded actions, status, status column


# A history row is a plain tuple (the cheapest record to build on every commit):
# (machine, version, from_state, to_state, trigger, timestamp, event_id, idempotency_key,
#  context_changes, actions, actions_status, action_outcomes, metadata); mark_actions replaces it.
# Every item is a string, a number, a datetime, None or bytes: the garbage collector stops tracking
# the row at its first pass instead of walking the whole history in each full collection.
_HistoryRow = tuple[
    str, int, str | None, str, str, datetime, str | None, str | None, Packed, str, str, str, Packed
]
_ENTITY_TWIN = unfrozen_twin(EntityRecord)
_NO_HISTORY: Mapping[int, _HistoryRow] = MappingProxyType({})


@dataclass(slots=True)
class _EntityRow:
    machine: str
    state: str
    version: int
    context: Frozen
    metadata: Packed
    updated_at: datetime
    flat: bool = False  # context is a plain dict of scalars: a shallow copy of it is a deep one
    history: dict[int, _HistoryRow] = field(default_factory=dict)  # by version, in commit order

    def thawed_context(self, entity_id: str) -> dict[str, Any]:
        context = self.context
        if self.flat and type(context) is dict:
            return context.copy()
        return thaw_object(context, entity_id, "context")


_MACHINE: Final = 0
_TIMESTAMP: Final = 5


class InMemoryStateStore(AsyncTwins):
    """All store protocols in memory (``FullStateStore``); one lock makes every write atomic."""

    def __init__(self, *, clock: Callable[[], datetime] = codec.utc_now) -> None:
        self._clock = clock
        self._utc_clock = clock is codec.utc_now  # then call datetime.now directly: one frame less
        self._lock = threading.Lock()
        self._entities: dict[str, _EntityRow] = {}
        self._idempotency: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, int], None] = {}

    def __repr__(self) -> str:
        return f"InMemoryStateStore(entities={len(self._entities)})"

    # ------------------------------------------------------------------ reading rows

    @staticmethod
    def _record(entity_id: str, row: _EntityRow) -> EntityRecord:
        # Only the JSON columns can hold something unreadable; the others are typed by construction.
        return _build.entity_record(
            entity_id,
            row.machine,
            row.state,
            row.version,
            row.thawed_context(entity_id),
            row.updated_at,
            unpack_object(row.metadata, entity_id, "metadata"),
        )

    def _transition(self, entity_id: str, row: _HistoryRow) -> TransitionRecord:
        (machine, version, from_state, to_state, trigger, timestamp, event_id, key, changes, actions,
         status, outcomes, metadata) = row  # fmt: skip
        return codec.transition_from_columns(
            entity_id,
            machine=machine,
            version=version,
            from_state=from_state,
            to_state=to_state,
            trigger=trigger,
            timestamp=timestamp,
            event_id=event_id,
            idempotency_key=key,
            context_changes=unpack_object(changes, entity_id, "context_changes"),
            actions=actions,
            actions_status=status,
            action_outcomes=outcomes,
            metadata=unpack_object(metadata, entity_id, "history metadata"),
        )

    def _rows_of(self, entity_id: str) -> Mapping[int, _HistoryRow]:
        row = self._entities.get(entity_id)
        return _NO_HISTORY if row is None else row.history

    # ------------------------------------------------------------------ StateStore and twins

    def get_state(self, entity_id: str) -> str | None:
        with self._lock:
            row = self._entities.get(entity_id)
            return None if row is None else row.state

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.set_state_versioned(entity_id, state, metadata=metadata)

    def get_context(self, entity_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._entities.get(entity_id)
            return {} if row is None else row.thawed_context(entity_id)

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        check_entity_id(entity_id)
        encoded = freeze_object(dict(ctx), "context")
        with self._lock:
            row = self._entities.get(entity_id)
            if row is None:
                raise EntityNotFoundError(f"entity {entity_id!r} is not stored", entity_id=entity_id)
            row.context, row.flat = encoded, False
            row.updated_at = codec.as_utc(self._clock())

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        with self._lock:
            row = self._entities.get(entity_id)
            return (None, 0) if row is None else (row.state, row.version)

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        check_state_write(entity_id, state, expected_version)
        encoded = pack_object(metadata, "metadata")
        with self._lock:
            return self._write_state(entity_id, state, expected_version, encoded, codec.as_utc(self._clock()))

    def _write_state(
        self, entity_id: str, state: str, expected: int | None, metadata: Packed, now: datetime
    ) -> int:
        row = self._entities.get(entity_id)
        actual = 0 if row is None else row.version
        if expected is not None and expected != actual:
            raise stale_version(entity_id, expected, actual)
        if row is None:
            self._entities[entity_id] = _EntityRow("", state, 1, EMPTY, metadata, now)
            return 1
        row.state, row.version, row.metadata, row.updated_at = state, row.version + 1, metadata, now
        return row.version

    # ------------------------------------------------------------------ batch

    def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return {eid: row.state for eid in entity_ids if (row := self._entities.get(eid)) is not None}

    def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        with self._lock:
            rows = {eid: row for eid in entity_ids if (row := self._entities.get(eid)) is not None}
            return {eid: self._record(eid, row) for eid, row in rows.items()}

    def set_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        for entity_id, state in states.items():
            check_state_write(entity_id, state, None)
        encoded = pack_object(metadata, "metadata")
        with self._lock:
            now = codec.as_utc(self._clock())
            return {eid: self._write_state(eid, state, None, encoded, now) for eid, state in states.items()}

    # ------------------------------------------------------------------ queries

    def list_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        check_limit(limit)
        with self._lock:
            ids = sorted(
                eid
                for eid, row in self._entities.items()
                if row.machine == machine
                and (state is None or row.state == state)
                and (after is None or eid > after)
            )
            page = [self._record(eid, self._entities[eid]) for eid in ids[:limit]]
        return EntityPage(tuple(page), page[-1].entity_id if len(ids) > limit else None)

    def count_by_state(self, machine: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for row in self._entities.values():
                if row.machine == machine:
                    counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    # ------------------------------------------------------------------ audit

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        check_limit(limit)
        with self._lock:
            rows = [r for v, r in self._rows_of(entity_id).items() if v > after_version][:limit]
            return [self._transition(entity_id, row) for row in rows]

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        with self._lock:
            row = self._rows_of(entity_id).get(version)
            return None if row is None else self._transition(entity_id, row)

    # ------------------------------------------------------------------ transactional

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        # acquire/release rather than ``with``: half the cost on CPython 3.11, on every event.
        self._lock.acquire()
        try:
            row = self._entities.get(entity_id)
            if row is None:
                return None
            context, metadata = row.context, row.metadata
            if _ENTITY_TWIN is None:
                return self._record(entity_id, row)
            # _build.entity_record inlined (a frame less on every load); see _fastinit.
            record: Any = _ENTITY_TWIN()
            record.entity_id = entity_id
            record.machine = row.machine
            record.state = row.state
            record.version = row.version
            record.context = (
                context.copy()
                if row.flat and type(context) is dict
                else thaw_object(context, entity_id, "context")
            )
            record.updated_at = row.updated_at
            record.metadata = {} if metadata is None else unpack_object(metadata, entity_id, "metadata")
            record.__class__ = EntityRecord
            return record  # type: ignore[no-any-return]
        finally:
            self._lock.release()

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        entity_id, machine = commit.entity_id, commit.machine
        given: Any = commit.context
        # A dict of JSON scalars (the common context) is copied shallowly and marked flat, which
        # makes each load a shallow copy too; anything else takes freeze_object.
        flat = type(given) is dict
        if flat:
            for name, item in given.items():
                kind = type(item)
                if type(name) is not str or (
                    not (kind is str or kind is int or kind is bool or item is None)
                    and (kind is not float or item - item != 0.0)
                ):
                    flat = False
                    break
        context = given.copy() if flat else freeze_object(given, "context")
        metadata = pack_object(commit.metadata, "metadata") if commit.metadata else None
        changes = pack_object(commit.context_changes, "context_changes")
        planned = commit.actions
        actions, status, status_text = (
            (codec.encode_actions(planned), _PENDING_STATUS, _PENDING) if planned else _NO_ACTIONS
        )
        stamp = commit.timestamp or (datetime.now(UTC) if self._utc_clock else self._clock())
        now = stamp if stamp.tzinfo is UTC else stamp.astimezone(UTC)
        key = commit.idempotency_key
        self._lock.acquire()
        try:
            if key is not None and (entity_id, key) in self._idempotency:
                return self._duplicate(entity_id, self._idempotency[(entity_id, key)])
            row = self._entities.get(entity_id)
            actual = 0
            if row is not None:
                if row.machine != machine and row.machine:
                    raise machine_conflict(entity_id, row.machine, machine)
                actual = row.version
            if (commit.expected_version or 0) != actual:
                raise stale_version(entity_id, commit.expected_version or 0, actual)
            version = actual + 1
            history_row: _HistoryRow = (
                machine,
                version,
                commit.from_state,
                commit.to_state,
                commit.trigger,
                now,
                commit.event_id,
                key,
                changes,
                actions,
                status_text,
                _EMPTY_LIST,
                metadata,
            )
            if row is None:
                row = _EntityRow(machine, commit.to_state, 1, context, metadata, now, flat, {})
                self._entities[entity_id] = row
            else:
                row.machine, row.state, row.version = machine, commit.to_state, version
                row.context, row.metadata, row.updated_at, row.flat = context, metadata, now, flat
            row.history[version] = history_row
            if key is not None:
                self._idempotency[(entity_id, key)] = version
            if planned:
                self._pending[(entity_id, version)] = None
        finally:
            self._lock.release()
        return _build.committed(commit, version, now, status)

    def _duplicate(self, entity_id: str, version: int) -> CommitResult:
        first = self._transition(entity_id, self._entities[entity_id].history[version])
        return CommitResult(self._record(entity_id, self._entities[entity_id]), first, duplicate=True)

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        encoded = codec.encode_outcomes(list(outcomes))
        status = ActionsStatus.from_outcomes(outcomes)
        with self._lock:
            entity = self._entities.get(entity_id)
            row = None if entity is None else entity.history.get(version)
            if entity is None or row is None:
                raise transition_not_found(entity_id, version)
            entity.history[version] = row = (*row[:10], status.value, encoded, row[12])
            self._pending.pop((entity_id, version), None)
            return self._transition(entity_id, row)

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        check_limit(limit)
        with self._lock:
            rows = [(eid, self._entities[eid].history[version]) for eid, version in self._pending]
            rows = [
                (eid, row)
                for eid, row in rows
                if (machine is None or row[_MACHINE] == machine)
                and (before is None or row[_TIMESTAMP] < before)
            ]
            rows.sort(key=lambda item: item[1][_TIMESTAMP])
            return [self._transition(eid, row) for eid, row in rows[:limit]]

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Nothing to release; present so that every store can be closed the same way."""

    def clear(self) -> None:
        """Forget every entity and all history."""
        with self._lock:
            self._entities.clear()
            self._idempotency.clear()
            self._pending.clear()

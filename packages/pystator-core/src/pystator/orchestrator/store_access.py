"""One way for the Orchestrator to read and write any store, whatever it can do.

- ``TransactionalAccess``: a ``TransactionalStateStore`` — one atomic write of state, context,
  history row and idempotency key, guarded by the version; action outcomes recorded afterwards.
- ``VersionedAccess``: a ``VersionedStateStore`` — the state is compare-and-set on its version; the
  context (when the store has ``set_context``) is written after it, not atomically with it.
- ``PlainAccess``: a user's own ``StateStore`` with only ``get_state``, ``set_state`` and
  ``get_context`` — each called once per event; no concurrency protection, no history.

Each access has sync methods and async twins; the twins use the store's ``a``-prefixed methods when
it has them and call the sync ones inline otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pystator.stores._fastinit import fast_frozen_init
from pystator.stores.protocols import (
    AsyncAuditStore,
    AsyncContextStore,
    AsyncStateStore,
    AsyncTransactionalStateStore,
    AsyncVersionedStateStore,
    AuditStore,
    ContextStore,
    StateStore,
    TransactionalStateStore,
    VersionedStateStore,
)
from pystator.stores.records import ActionOutcome, EntityRecord, TransitionCommit, TransitionRecord

__all__ = [
    "Committed",
    "Loaded",
    "PlainAccess",
    "StoreAccess",
    "TransactionalAccess",
    "VersionedAccess",
    "access_for",
]

# How far back the failure path looks for a repeated idempotency key (see ``find_key``).
KEY_LOOKBACK = 100


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Loaded:
    """An entity as read: ``state`` None (and version 0) when the store does not know it."""

    state: str | None
    version: int
    context: dict[str, Any]
    machine: str = ""
    updated_at: datetime | None = None
    record: EntityRecord | None = field(default=None, compare=False)

    @classmethod
    def from_record(cls, record: EntityRecord) -> Loaded:
        return cls(
            record.state, record.version, dict(record.context), record.machine, record.updated_at, record
        )


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Committed:
    """What a write came to: the new version, or the first commit's record for a repeated key."""

    version: int
    duplicate: bool = False
    record: TransitionRecord | None = None
    entity: EntityRecord | None = None


class StoreAccess:
    """The operations the Orchestrator needs; subclasses adapt one kind of store."""

    transactional = False
    versioned = False

    def __init__(self, store: Any) -> None:
        self.store = store

    def load(self, entity_id: str) -> Loaded:
        raise NotImplementedError

    async def aload(self, entity_id: str) -> Loaded:
        return self.load(entity_id)

    def commit(self, commit: TransitionCommit) -> Committed:
        raise NotImplementedError

    async def acommit(self, commit: TransitionCommit) -> Committed:
        return self.commit(commit)

    def mark(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        """Record action outcomes (only transactional stores keep them)."""

    async def amark(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        self.mark(entity_id, version, outcomes)

    def find_key(self, entity_id: str, version: int, key: str) -> TransitionRecord | None:
        """The recent history row committed with ``key``, if the store keeps history."""
        return None

    async def afind_key(self, entity_id: str, version: int, key: str) -> TransitionRecord | None:
        return self.find_key(entity_id, version, key)


class TransactionalAccess(StoreAccess):
    transactional = True
    versioned = True

    def __init__(self, store: TransactionalStateStore) -> None:
        super().__init__(store)
        self._async = isinstance(store, AsyncTransactionalStateStore)
        self._audit = isinstance(store, AuditStore)
        self._async_audit = isinstance(store, AsyncAuditStore)

    def load(self, entity_id: str) -> Loaded:
        return _loaded(self.store.load_entity(entity_id))

    async def aload(self, entity_id: str) -> Loaded:
        if self._async:
            return _loaded(await self.store.aload_entity(entity_id))
        return self.load(entity_id)

    def commit(self, commit: TransitionCommit) -> Committed:
        return _committed(self.store.commit_transition(commit))

    async def acommit(self, commit: TransitionCommit) -> Committed:
        if self._async:
            return _committed(await self.store.acommit_transition(commit))
        return self.commit(commit)

    def mark(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        self.store.mark_actions(entity_id, version, list(outcomes))

    async def amark(self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]) -> None:
        if self._async:
            await self.store.amark_actions(entity_id, version, list(outcomes))
        else:
            self.mark(entity_id, version, outcomes)

    def find_key(self, entity_id: str, version: int, key: str) -> TransitionRecord | None:
        if not self._audit:
            return None
        after = max(0, version - KEY_LOOKBACK)
        records = self.store.history(entity_id, after_version=after, limit=KEY_LOOKBACK)
        return _with_key(records, key)

    async def afind_key(self, entity_id: str, version: int, key: str) -> TransitionRecord | None:
        if not self._async_audit:
            return self.find_key(entity_id, version, key)
        after = max(0, version - KEY_LOOKBACK)
        records = await self.store.ahistory(entity_id, after_version=after, limit=KEY_LOOKBACK)
        return _with_key(records, key)


class VersionedAccess(StoreAccess):
    versioned = True

    def __init__(self, store: VersionedStateStore) -> None:
        super().__init__(store)
        self._async = isinstance(store, AsyncVersionedStateStore) and isinstance(store, AsyncStateStore)
        self._context = isinstance(store, ContextStore)
        self._async_context = isinstance(store, AsyncContextStore)

    def load(self, entity_id: str) -> Loaded:
        state, version = self.store.get_state_versioned(entity_id)
        context = self.store.get_context(entity_id) if state is not None else {}
        return Loaded(state, version if state is not None else 0, dict(context or {}))

    async def aload(self, entity_id: str) -> Loaded:
        if not self._async:
            return self.load(entity_id)
        state, version = await self.store.aget_state_versioned(entity_id)
        context = await self.store.aget_context(entity_id) if state is not None else {}
        return Loaded(state, version if state is not None else 0, dict(context or {}))

    def commit(self, commit: TransitionCommit) -> Committed:
        version = self.store.set_state_versioned(
            commit.entity_id,
            commit.to_state,
            expected_version=commit.expected_version or 0,
            metadata=dict(commit.metadata) or None,
        )
        if self._context and commit.context_changes:
            self.store.set_context(commit.entity_id, dict(commit.context))
        return Committed(version)

    async def acommit(self, commit: TransitionCommit) -> Committed:
        if not self._async:
            return self.commit(commit)
        version = await self.store.aset_state_versioned(
            commit.entity_id,
            commit.to_state,
            expected_version=commit.expected_version or 0,
            metadata=dict(commit.metadata) or None,
        )
        if commit.context_changes:
            if self._async_context:
                await self.store.aset_context(commit.entity_id, dict(commit.context))
            elif self._context:
                self.store.set_context(commit.entity_id, dict(commit.context))
        return Committed(version)


class PlainAccess(StoreAccess):
    """``get_state``, ``get_context`` and ``set_state`` once each per event (plus ``set_context``
    when the store has it and the context changed)."""

    def __init__(self, store: StateStore) -> None:
        super().__init__(store)
        self._context = callable(getattr(store, "set_context", None))

    def load(self, entity_id: str) -> Loaded:
        state = self.store.get_state(entity_id)
        context = self.store.get_context(entity_id)
        return Loaded(state, 0, dict(context or {}))

    def commit(self, commit: TransitionCommit) -> Committed:
        self.store.set_state(commit.entity_id, commit.to_state, metadata=dict(commit.metadata) or None)
        if self._context and commit.context_changes:
            self.store.set_context(commit.entity_id, dict(commit.context))
        return Committed((commit.expected_version or 0) + 1)


def access_for(store: object) -> StoreAccess:
    """The best access the store supports; a ``TypeError`` when it is not a store at all."""
    if isinstance(store, TransactionalStateStore):
        return TransactionalAccess(store)
    if isinstance(store, VersionedStateStore) and isinstance(store, StateStore):
        return VersionedAccess(store)
    if isinstance(store, StateStore):
        return PlainAccess(store)
    raise TypeError(
        "state_store: expected a StateStore (get_state, set_state and get_context), "
        f"got {type(store).__name__}"
    )


def _loaded(record: EntityRecord | None) -> Loaded:
    return Loaded(None, 0, {}) if record is None else Loaded.from_record(record)


def _committed(result: Any) -> Committed:
    if result.duplicate:
        return Committed(result.transition.version, duplicate=True, record=result.transition)
    return Committed(result.entity.version, record=result.transition, entity=result.entity)


def _with_key(records: Sequence[TransitionRecord], key: str) -> TransitionRecord | None:
    return next((record for record in records if record.idempotency_key == key), None)

"""The store protocols: one minimal contract, and richer capabilities that callers detect.

``StateStore`` is all a user's own store needs (``get_state``, ``set_state``, ``get_context``). Every
other capability is a separate protocol, so that callers such as the Orchestrator test for it with
``isinstance`` and use the best one available:

- ``TransactionalStateStore``: ``load_entity`` and ``commit_transition``, the one atomic write of a
  transition (version compare-and-set, state and context, history row, idempotency key), plus the
  crash-recovery pair ``pending_action_records`` / ``mark_actions``;
- ``VersionedStateStore``: ``get_state_versioned`` / ``set_state_versioned`` (optimistic locking);
- ``ContextStore``: ``set_context``; ``BatchStateStore``, ``QueryableStateStore``, ``AuditStore``.

Each has an async twin whose methods carry an ``a`` prefix (``aget_state``, ``acommit_transition``).
All are ``runtime_checkable``; ``FullStateStore`` is every one of them at once, which every bundled
store implements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pystator.stores.records import (
    ActionOutcome,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)

__all__ = [
    "AsyncAuditStore",
    "AsyncBatchStateStore",
    "AsyncContextStore",
    "AsyncQueryableStateStore",
    "AsyncStateStore",
    "AsyncTransactionalStateStore",
    "AsyncVersionedStateStore",
    "AuditStore",
    "BatchStateStore",
    "ContextStore",
    "FullStateStore",
    "QueryableStateStore",
    "StateStore",
    "TransactionalStateStore",
    "VersionedStateStore",
]


@runtime_checkable
class StateStore(Protocol):
    """The minimal store: a user's class with these three methods works with the Orchestrator."""

    def get_state(self, entity_id: str) -> str | None:
        """The stored state, or None for an unknown entity."""
        ...

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        """Store ``state`` (creating the entity if needed)."""
        ...

    def get_context(self, entity_id: str) -> dict[str, Any]:
        """The stored context, ``{}`` for an unknown entity."""
        ...


@runtime_checkable
class AsyncStateStore(Protocol):
    async def aget_state(self, entity_id: str) -> str | None: ...

    async def aset_state(
        self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
    ) -> None: ...

    async def aget_context(self, entity_id: str) -> dict[str, Any]: ...


@runtime_checkable
class ContextStore(Protocol):
    def get_context(self, entity_id: str) -> dict[str, Any]: ...

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        """Replace the context of an existing entity (``EntityNotFoundError`` if there is none)."""
        ...


@runtime_checkable
class AsyncContextStore(Protocol):
    async def aget_context(self, entity_id: str) -> dict[str, Any]: ...

    async def aset_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None: ...


@runtime_checkable
class VersionedStateStore(Protocol):
    """Optimistic locking on the state: versions start at 1; an unknown entity reads ``(None, 0)``."""

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]: ...

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Write ``state`` and return the new version.

        ``expected_version=None`` writes unconditionally; ``0`` creates (the entity must not exist);
        any other value must equal the stored version, else ``StaleVersionError`` and nothing written.
        """
        ...


@runtime_checkable
class AsyncVersionedStateStore(Protocol):
    async def aget_state_versioned(self, entity_id: str) -> tuple[str | None, int]: ...

    async def aset_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int: ...


@runtime_checkable
class BatchStateStore(Protocol):
    def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        """States of the known entities among ``entity_ids`` (unknown ones are left out)."""
        ...

    def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]: ...

    def set_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        """Write every state in one atomic step; returns each entity's new version."""
        ...


@runtime_checkable
class AsyncBatchStateStore(Protocol):
    async def aget_states(self, entity_ids: Iterable[str]) -> dict[str, str]: ...

    async def aload_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]: ...

    async def aset_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]: ...


@runtime_checkable
class QueryableStateStore(Protocol):
    def list_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        """Entities of ``machine`` (in ``state`` if given) ordered by id, after the id ``after``."""
        ...

    def count_by_state(self, machine: str) -> dict[str, int]:
        """How many entities of ``machine`` rest in each state (states with none are left out)."""
        ...


@runtime_checkable
class AsyncQueryableStateStore(Protocol):
    async def alist_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage: ...

    async def acount_by_state(self, machine: str) -> dict[str, int]: ...


@runtime_checkable
class AuditStore(Protocol):
    """The append-only history, one ``TransitionRecord`` per committed version."""

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        """Transitions of the entity with a version above ``after_version``, oldest first."""
        ...

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...


@runtime_checkable
class AsyncAuditStore(Protocol):
    async def ahistory(
        self, entity_id: str, *, after_version: int = 0, limit: int = 100
    ) -> list[TransitionRecord]: ...

    async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...


@runtime_checkable
class TransactionalStateStore(Protocol):
    """The atomic write the Orchestrator needs, and the records that crash recovery resumes."""

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        """The entity with its version and context, or None when unknown."""
        ...

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        """Apply ``commit`` in one atomic write.

        Raises ``StaleVersionError`` when the stored version is not ``commit.expected_version`` (or
        the entity exists although the commit creates it), and ``StoreError`` (code ``CONFLICT``)
        when the entity belongs to another machine; nothing is written then. A repeated
        ``idempotency_key`` for the same entity writes nothing and returns the first commit's
        outcome with ``duplicate=True``.
        """
        ...

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        """Record the outcomes of the actions of transition ``version``; its status becomes done/failed."""
        ...

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        """History rows whose actions are still pending (committed before ``before``), oldest first."""
        ...


@runtime_checkable
class AsyncTransactionalStateStore(Protocol):
    async def aload_entity(self, entity_id: str) -> EntityRecord | None: ...

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult: ...

    async def amark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord: ...

    async def apending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]: ...


@runtime_checkable
class FullStateStore(
    StateStore,
    AsyncStateStore,
    ContextStore,
    AsyncContextStore,
    VersionedStateStore,
    AsyncVersionedStateStore,
    BatchStateStore,
    AsyncBatchStateStore,
    QueryableStateStore,
    AsyncQueryableStateStore,
    AuditStore,
    AsyncAuditStore,
    TransactionalStateStore,
    AsyncTransactionalStateStore,
    Protocol,
):
    """Every capability above, plus ``close()`` / ``aclose()``: what each bundled store implements."""

    def close(self) -> None: ...

    async def aclose(self) -> None: ...

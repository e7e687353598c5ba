"""``AsyncTwins``: the ``a``-prefixed twin of every sync store method, for stores written sync-first.

Each twin hands the sync method to ``_run_sync``, which calls it inline by default (right for a store
without I/O, such as the in-memory one); a store that blocks on I/O overrides ``_run_sync`` to run
it on a worker thread. One algorithm, two drivers: the twins cannot drift from the sync methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pystator.stores.records import (
    ActionOutcome,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)

__all__ = ["AsyncTwins"]

P = ParamSpec("P")
T = TypeVar("T")


class AsyncTwins:
    """Mix into a class that has the sync methods of ``FullStateStore``."""

    async def _run_sync(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)

    if TYPE_CHECKING:  # the sync methods the concrete class provides

        def get_state(self, entity_id: str) -> str | None: ...
        def set_state(
            self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
        ) -> None: ...
        def get_context(self, entity_id: str) -> dict[str, Any]: ...
        def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None: ...
        def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]: ...
        def set_state_versioned(
            self,
            entity_id: str,
            state: str,
            *,
            expected_version: int | None = None,
            metadata: Mapping[str, Any] | None = None,
        ) -> int: ...
        def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]: ...
        def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]: ...
        def set_states(
            self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
        ) -> dict[str, int]: ...
        def list_entities(
            self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
        ) -> EntityPage: ...
        def count_by_state(self, machine: str) -> dict[str, int]: ...
        def history(
            self, entity_id: str, *, after_version: int = 0, limit: int = 100
        ) -> list[TransitionRecord]: ...
        def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...
        def load_entity(self, entity_id: str) -> EntityRecord | None: ...
        def commit_transition(self, commit: TransitionCommit) -> CommitResult: ...
        def mark_actions(
            self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
        ) -> TransitionRecord: ...
        def pending_action_records(
            self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
        ) -> list[TransitionRecord]: ...
        def close(self) -> None: ...

    async def aget_state(self, entity_id: str) -> str | None:
        return await self._run_sync(self.get_state, entity_id)

    async def aset_state(
        self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
    ) -> None:
        await self._run_sync(self.set_state, entity_id, state, metadata=metadata)

    async def aget_context(self, entity_id: str) -> dict[str, Any]:
        return await self._run_sync(self.get_context, entity_id)

    async def aset_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        await self._run_sync(self.set_context, entity_id, ctx)

    async def aget_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        return await self._run_sync(self.get_state_versioned, entity_id)

    async def aset_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        return await self._run_sync(
            self.set_state_versioned, entity_id, state, expected_version=expected_version, metadata=metadata
        )

    async def aget_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        return await self._run_sync(self.get_states, list(entity_ids))

    async def aload_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        return await self._run_sync(self.load_entities, list(entity_ids))

    async def aset_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        return await self._run_sync(self.set_states, states, metadata=metadata)

    async def alist_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        return await self._run_sync(self.list_entities, machine, state=state, limit=limit, after=after)

    async def acount_by_state(self, machine: str) -> dict[str, int]:
        return await self._run_sync(self.count_by_state, machine)

    async def ahistory(
        self, entity_id: str, *, after_version: int = 0, limit: int = 100
    ) -> list[TransitionRecord]:
        return await self._run_sync(self.history, entity_id, after_version=after_version, limit=limit)

    async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return await self._run_sync(self.get_transition, entity_id, version)

    async def aload_entity(self, entity_id: str) -> EntityRecord | None:
        return await self._run_sync(self.load_entity, entity_id)

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult:
        return await self._run_sync(self.commit_transition, commit)

    async def amark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        return await self._run_sync(self.mark_actions, entity_id, version, list(outcomes))

    async def apending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        return await self._run_sync(self.pending_action_records, machine=machine, before=before, limit=limit)

    async def aclose(self) -> None:
        await self._run_sync(self.close)

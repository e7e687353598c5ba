"""``SyncTwins``: the sync method of every ``a``-prefixed store method, for async-native stores.

Each sync method runs its async twin to completion through ``_run_async`` (on the store's private
event-loop thread), so the sync and async paths share one implementation.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pystator.stores.records import (
    ActionOutcome,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)

__all__ = ["SyncTwins"]

T = TypeVar("T")


class SyncTwins:
    """Mix into a class that has the async methods of ``FullStateStore``; provide ``_run_async``."""

    def _run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    if TYPE_CHECKING:  # the async methods the concrete class provides

        async def aget_state(self, entity_id: str) -> str | None: ...
        async def aset_state(
            self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
        ) -> None: ...
        async def aget_context(self, entity_id: str) -> dict[str, Any]: ...
        async def aset_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None: ...
        async def aget_state_versioned(self, entity_id: str) -> tuple[str | None, int]: ...
        async def aset_state_versioned(
            self,
            entity_id: str,
            state: str,
            *,
            expected_version: int | None = None,
            metadata: Mapping[str, Any] | None = None,
        ) -> int: ...
        async def aget_states(self, entity_ids: Iterable[str]) -> dict[str, str]: ...
        async def aload_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]: ...
        async def aset_states(
            self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
        ) -> dict[str, int]: ...
        async def alist_entities(
            self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
        ) -> EntityPage: ...
        async def acount_by_state(self, machine: str) -> dict[str, int]: ...
        async def ahistory(
            self, entity_id: str, *, after_version: int = 0, limit: int = 100
        ) -> list[TransitionRecord]: ...
        async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None: ...
        async def aload_entity(self, entity_id: str) -> EntityRecord | None: ...
        async def acommit_transition(self, commit: TransitionCommit) -> CommitResult: ...
        async def amark_actions(
            self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
        ) -> TransitionRecord: ...
        async def apending_action_records(
            self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
        ) -> list[TransitionRecord]: ...

    def get_state(self, entity_id: str) -> str | None:
        return self._run_async(self.aget_state(entity_id))

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self._run_async(self.aset_state(entity_id, state, metadata=metadata))

    def get_context(self, entity_id: str) -> dict[str, Any]:
        return self._run_async(self.aget_context(entity_id))

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        self._run_async(self.aset_context(entity_id, ctx))

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        return self._run_async(self.aget_state_versioned(entity_id))

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        return self._run_async(
            self.aset_state_versioned(entity_id, state, expected_version=expected_version, metadata=metadata)
        )

    def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        return self._run_async(self.aget_states(list(entity_ids)))

    def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        return self._run_async(self.aload_entities(list(entity_ids)))

    def set_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        return self._run_async(self.aset_states(states, metadata=metadata))

    def list_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        return self._run_async(self.alist_entities(machine, state=state, limit=limit, after=after))

    def count_by_state(self, machine: str) -> dict[str, int]:
        return self._run_async(self.acount_by_state(machine))

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        return self._run_async(self.ahistory(entity_id, after_version=after_version, limit=limit))

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return self._run_async(self.aget_transition(entity_id, version))

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        return self._run_async(self.aload_entity(entity_id))

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        return self._run_async(self.acommit_transition(commit))

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        return self._run_async(self.amark_actions(entity_id, version, list(outcomes)))

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        return self._run_async(self.apending_action_records(machine=machine, before=before, limit=limit))

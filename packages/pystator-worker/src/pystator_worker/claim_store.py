"""The state store the worker's Orchestrators see: the entity tables, through the current claim.

Each consumer task processes one claimed event at a time; ``ClaimStore`` finds that task's claim
in a context variable, so one Orchestrator per machine serves every consumer. Reads run on the
claim's connection inside its transaction (the entity row locked on PostgreSQL), and
``acommit_transition`` is where the event's transaction ends: the state store's commit SQL, the
event's new status and ``COMMIT``, together. Whatever the Orchestrator does after that (timers,
actions, recording their outcomes) happens after the commit, as it must.

The Orchestrator drives it through the async path only (``async_process_event``); the sync methods
exist because the store protocols are checked by attribute, and they refuse to run.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NoReturn

from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_worker.backend import Claim

__all__ = ["ClaimStore", "CurrentClaim", "current_claim"]


@dataclass(slots=True)
class CurrentClaim:
    claim: Claim
    worker_id: str
    lease_seconds: float
    defer_commit: bool = False
    committed: CommitResult | None = None


current_claim: contextvars.ContextVar[CurrentClaim | None] = contextvars.ContextVar(
    "pystator_worker_claim", default=None
)


def _active() -> CurrentClaim:
    active = current_claim.get()
    if active is None:
        raise RuntimeError("ClaimStore is used outside a worker claim: only the worker drives it")
    return active


def _sync_refused(*_: Any, **__: Any) -> NoReturn:
    raise TypeError("the worker's claim store is async only: the worker calls async_process_event()")


class ClaimStore:
    """``AsyncTransactionalStateStore`` + ``AsyncAuditStore`` over the current claim."""

    # ------------------------------------------------------------------ reads inside the claim

    async def aload_entity(self, entity_id: str) -> EntityRecord | None:
        return await _active().claim.load_entity(entity_id)

    async def ahistory(
        self, entity_id: str, *, after_version: int = 0, limit: int = 100
    ) -> list[TransitionRecord]:
        return await _active().claim.history(entity_id, after_version=after_version, limit=limit)

    async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return await _active().claim.get_transition(entity_id, version)

    # ------------------------------------------------------------------ the one commit

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult:
        active = _active()
        result = await active.claim.commit_transition(
            commit, worker_id=active.worker_id, lease_seconds=active.lease_seconds, defer=active.defer_commit
        )
        active.committed = result
        return result

    async def amark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        active = _active()
        await active.claim.mark_actions(entity_id, version, outcomes)
        committed = active.committed
        if committed is not None and (committed.transition.entity_id, committed.transition.version) == (
            entity_id,
            version,
        ):
            return replace(
                committed.transition,
                action_outcomes=tuple(outcomes),
                actions_status=ActionsStatus.from_outcomes(outcomes),
            )
        record = await active.claim.get_transition(entity_id, version)
        if record is None:
            raise LookupError(f"entity {entity_id!r} has no transition with version {version}")
        return record

    async def apending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        raise TypeError(
            "the worker finishes a dead worker's actions through the event's lease, not by scanning the "
            "history: use Worker (or Orchestrator.aresume_pending_actions on a real store)"
        )

    # ------------------------------------------------------------------ sync side: refused

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        _sync_refused()

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        _sync_refused()

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        _sync_refused()

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        _sync_refused()

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        _sync_refused()

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        _sync_refused()

    def get_state(self, entity_id: str) -> str | None:
        _sync_refused()

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        _sync_refused()

    def get_context(self, entity_id: str) -> dict[str, Any]:
        _sync_refused()

"""Private constructors of the records the stores return on every event (see ``fast_builder``).

Each builds exactly what the public constructor would (same class, same frozen instance), with one
class assignment per record instead of two. Only the stores use them, with values they have already
checked or built themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pystator.stores._fastinit import fast_builder, unfrozen_twin
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    PlannedAction,
    TransitionCommit,
    TransitionRecord,
)

__all__ = ["commit_result", "committed", "entity_record", "transition_record"]

entity_record: Callable[
    [str, str, str, int, Mapping[str, Any], datetime, Mapping[str, Any]], EntityRecord
] = fast_builder(EntityRecord)

transition_record: Callable[
    [
        str,
        str,
        int,
        str | None,
        str,
        str,
        datetime,
        str | None,
        str | None,
        Mapping[str, Any],
        tuple[PlannedAction, ...],
        ActionsStatus,
        tuple[ActionOutcome, ...],
        Mapping[str, Any],
    ],
    TransitionRecord,
] = fast_builder(TransitionRecord)

commit_result: Callable[[EntityRecord, TransitionRecord, bool], CommitResult] = fast_builder(CommitResult)

_ENTITY, _TRANSITION, _RESULT = (unfrozen_twin(c) for c in (EntityRecord, TransitionRecord, CommitResult))


def _committed_slow(
    commit: TransitionCommit, version: int, timestamp: datetime, status: ActionsStatus
) -> CommitResult:
    entity = entity_record(
        commit.entity_id, commit.machine, commit.to_state, version, commit.context, timestamp, commit.metadata
    )
    transition = transition_record(
        commit.entity_id,
        commit.machine,
        version,
        commit.from_state,
        commit.to_state,
        commit.trigger,
        timestamp,
        commit.event_id,
        commit.idempotency_key,
        commit.context_changes,
        commit.actions,
        status,
        (),
        commit.metadata,
    )
    return commit_result(entity, transition, False)


def committed(
    commit: TransitionCommit, version: int, timestamp: datetime, status: ActionsStatus
) -> CommitResult:
    """The records of an applied commit, from the commit's own values (``timestamp`` in UTC).

    The mappings are the caller's own objects, not copies: the store keeps its own copies.
    """
    if _ENTITY is None or _TRANSITION is None or _RESULT is None:
        return _committed_slow(commit, version, timestamp, status)
    # The three builders inlined (a frame each saved on every commit).
    entity: Any = _ENTITY()
    transition: Any = _TRANSITION()
    result: Any = _RESULT()
    entity.entity_id = transition.entity_id = commit.entity_id
    entity.machine = transition.machine = commit.machine
    entity.state = transition.to_state = commit.to_state
    entity.version = transition.version = version
    entity.context = commit.context
    entity.updated_at = transition.timestamp = timestamp
    entity.metadata = transition.metadata = commit.metadata
    transition.from_state = commit.from_state
    transition.trigger = commit.trigger
    transition.event_id = commit.event_id
    transition.idempotency_key = commit.idempotency_key
    transition.context_changes = commit.context_changes
    transition.actions = commit.actions
    transition.actions_status = status
    transition.action_outcomes = ()
    result.entity = entity
    result.transition = transition
    result.duplicate = False
    entity.__class__ = EntityRecord  # a twin's __setattr__ is object's: a plain store (see _fastinit)
    transition.__class__ = TransitionRecord
    result.__class__ = CommitResult
    return result  # type: ignore[no-any-return]

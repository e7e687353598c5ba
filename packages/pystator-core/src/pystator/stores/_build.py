"""Private constructors of the records the stores return on every event (see ``fast_builder``).

Each takes every field in declaration order and builds exactly what the public constructor would
(same class, same frozen instance), with one class assignment instead of two. Only the stores use
them, with values they have already checked or built themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pystator.stores._fastinit import fast_builder
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    PlannedAction,
    TransitionRecord,
)

__all__ = ["commit_result", "entity_record", "transition_record"]

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

"""What an attempt at one event came to, and whether an error is worth retrying.

A machine that declines an event (a guard rejects it, the trigger is not valid in the current
state, the state is terminal, a lenient machine ignores it) gives a *result*: the event is ``done``
with outcome ``rejected`` or ``no_op``. Bad input is *permanent* and ends ``failed`` at once: an
unknown machine or trigger, a payload that fails context validation, a guard that is not
registered, an entity stored in a state or machine that does not fit. Everything else raised while
applying an event (a lost connection, a deadlock, a version conflict that kept recurring, a guard
that raised) is *transient*: retried with exponential backoff and jitter, then ``dead``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from pystator.errors import (
    ConfigurationError,
    EntityNotFoundError,
    ErrorCode,
    InvalidStateError,
    StoreError,
    UndefinedTriggerError,
)
from pystator.result import TransitionResult
from pystator_worker.records import EventOutcome, EventStatus

__all__ = ["Verdict", "backoff_seconds", "describe", "is_database_error", "is_permanent", "judge_result"]

# Reasons of a failed TransitionResult that are bad input (the event can never succeed as sent).
PERMANENT_REASONS = frozenset({"undefined_trigger", "context_validation", "guard_not_found"})
# Reasons that are the machine's answer: the event was handled, the entity just did not move.
DECLINED_REASONS = frozenset({"guard_rejected", "invalid_transition", "terminal_state", "stale_timer"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """How to end an event whose transition was not committed."""

    status: EventStatus
    outcome: EventOutcome | None
    error: str | None
    retry: bool = False


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _result_summary(result: TransitionResult) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "source_state": result.source_state,
        "target_state": result.target_state,
        "reason": result.metadata.get("reason"),
    }
    for key in ("guard_name", "guards_failed", "validation_errors", "version"):
        if key in result.metadata:
            value = result.metadata[key]
            summary[key] = list(value) if isinstance(value, tuple) else value
    return summary


def judge_result(result: TransitionResult) -> tuple[Verdict, dict[str, Any]]:
    """The verdict on a result the Orchestrator returned without committing, and its summary."""
    summary = _result_summary(result)
    reason = result.metadata.get("reason")
    message = describe(result.error) if result.error is not None else (str(reason) if reason else None)
    if result.success:  # a lenient no-op (unknown trigger or no transition in a non-strict machine)
        return Verdict(EventStatus.DONE, EventOutcome.NO_OP, None), summary
    if reason in PERMANENT_REASONS or isinstance(result.error, UndefinedTriggerError):
        return Verdict(EventStatus.FAILED, None, f"{reason}: {message}"), summary
    if reason in DECLINED_REASONS:
        return Verdict(EventStatus.DONE, EventOutcome.REJECTED, message), summary
    # guard_error (a guard raised) and anything unforeseen: worth another attempt.
    return Verdict(EventStatus.PENDING, None, f"{reason}: {message}", retry=True), summary


def is_permanent(error: BaseException) -> bool:
    """Errors that retrying the same event cannot cure."""
    if isinstance(
        error, ConfigurationError | InvalidStateError | EntityNotFoundError | UndefinedTriggerError
    ):
        return True
    if isinstance(error, StoreError):
        return error.code is ErrorCode.CONFLICT  # the entity belongs to another machine
    return isinstance(error, ValueError | TypeError | KeyError)


def is_database_error(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) came from the database or the connection to it: the
    transaction may be broken and must be rolled back."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if type(seen).__module__.startswith(("asyncpg", "sqlite3")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def backoff_seconds(attempt: int, *, base: float, maximum: float) -> float:
    """Full-jitter exponential backoff: uniform in [base * 2^(attempt-1) / 2, base * 2^(attempt-1)]."""
    ceiling = min(maximum, base * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)

"""The pure steps of processing one event, shared by the sync and async drivers of the Orchestrator.

Nothing here does I/O: building the request, the context the machine sees, the default fallback,
the commit to write, and the results handed back to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from pystator.errors import EntityNotFoundError
from pystator.event import Event
from pystator.orchestrator.running import RESERVED_CONTEXT_KEYS, ActionRun
from pystator.orchestrator.store_access import Loaded
from pystator.result import ActionSpec, TimerSpec, TransitionResult
from pystator.scheduler.timer_ref import TimerRef
from pystator.stores.checks import machine_conflict
from pystator.stores.codec import context_changes
from pystator.stores.records import PlannedAction, TransitionCommit, TransitionRecord

if TYPE_CHECKING:
    from pystator.machine import StateMachine
from pystator.stores._fastinit import fast_frozen_init

__all__ = [
    "FALLBACK_REASONS",
    "Request",
    "build_commit",
    "current_state",
    "decorate_failure",
    "decorate_success",
    "duplicate_result",
    "fallback_mode",
    "machine_context",
    "planned_specs",
    "stale_timer_result",
    "with_fallback",
]

FallbackMode = Literal["off", "hint", "persist"]
FALLBACK_REASONS = frozenset({"invalid_transition", "undefined_trigger"})
HISTORY_KEY = "_history"


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Request:
    """One event to process: for whom, what, with which context and idempotency key."""

    entity_id: str
    trigger: str | Event
    name: str
    event: Event | None
    context: Mapping[str, Any]
    key: str | None
    timer: TimerRef | None = None

    @classmethod
    def build(
        cls,
        entity_id: object,
        trigger: object,
        context: Mapping[str, Any] | None,
        key: str | None,
        timer: TimerRef | None = None,
    ) -> Request:
        if not isinstance(entity_id, str) or not entity_id:
            raise ValueError(f"entity_id: expected a non-empty string, got {entity_id!r}")
        if isinstance(trigger, Event):
            name, event = trigger.trigger, trigger
        elif isinstance(trigger, str) and trigger:
            name, event = trigger, None
        else:
            raise TypeError(f"trigger: expected a non-empty string or an Event, got {trigger!r}")
        if context is not None and not isinstance(context, Mapping):
            raise TypeError(f"context: expected a mapping or None, got {type(context).__name__}")
        if key is not None and (not isinstance(key, str) or not key):
            raise ValueError(f"idempotency_key: expected a non-empty string or None, got {key!r}")
        if key is None and event is not None:
            key = str(event.event_id)
        return cls(entity_id, trigger, name, event, dict(context or {}), key, timer)


def current_state(machine: StateMachine, request: Request, loaded: Loaded, use_initial: bool) -> str:
    """Where the entity is; the initial state for a new one (or ``EntityNotFoundError``)."""
    if loaded.state is not None:
        if loaded.machine not in ("", machine.name):
            raise machine_conflict(request.entity_id, loaded.machine, machine.name)
        return loaded.state
    if not use_initial:
        raise EntityNotFoundError(
            f"entity {request.entity_id!r} is not stored and use_initial_state_when_missing is False",
            entity_id=request.entity_id,
        )
    return machine.initial_state


def machine_context(loaded: Loaded, request: Request) -> dict[str, Any]:
    """The stored context, updated with the caller's context and the Event's payload."""
    merged = dict(loaded.context)
    merged.update(request.context)
    if request.event is not None:
        merged.update(request.event.payload)
    return merged


def with_history(context: Mapping[str, Any], result: TransitionResult) -> dict[str, Any]:
    """The context with the result's history records (for ``H()`` targets) merged in."""
    merged = dict(context)
    updates: Mapping[str, str] | None = getattr(result, "history_updates", None)
    if updates:
        previous = merged.get(HISTORY_KEY)
        records = dict(previous) if isinstance(previous, Mapping) else {}
        records.update(updates)
        merged[HISTORY_KEY] = records
    return merged


def storable(context: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if key not in RESERVED_CONTEXT_KEYS}


def fallback_mode(machine: StateMachine) -> tuple[FallbackMode, str | None]:
    mode = machine.meta.get("orchestrator_default_fallback") or "off"
    policy = getattr(machine.config, "error_policy", None)
    target = getattr(policy, "default_fallback", None) if policy is not None else None
    if mode == "off":
        return "off", target
    if mode == "hint":
        return "hint", target
    if mode == "persist":
        return "persist", target
    raise ValueError(f"meta.orchestrator_default_fallback: expected off, hint or persist, got {mode!r}")


def with_fallback(
    result: TransitionResult,
    mode: FallbackMode,
    target: str | None,
    exited: Sequence[str],
    entered_timers: Sequence[TimerSpec],
) -> tuple[TransitionResult, bool]:
    """Apply the default fallback to an event invalid for the current state.

    Returns the result to go on with and whether it is a fallback move to persist.
    """
    if mode == "off" or target is None or result.success:
        return result, False
    reason = result.metadata.get("reason")
    if reason not in FALLBACK_REASONS:
        return result, False
    if mode == "hint":
        return replace(
            result, metadata={**result.metadata, "fallback": target, "fallback_mode": "hint"}
        ), False
    moved = TransitionResult(
        success=True,
        source_state=result.source_state,
        target_state=target,
        trigger=result.trigger,
        metadata={
            "fallback": target,
            "fallback_mode": "persist",
            "fallback_reason": reason,
            "rejected_error": result.error,
        },
        timers_to_start=tuple(entered_timers),
        timers_to_cancel=tuple(exited),
    )
    return moved, True


def planned_specs(result: TransitionResult) -> tuple[ActionSpec, ...]:
    return result.all_action_specs if result.success else ()


def build_commit(
    machine: StateMachine,
    *,
    request: Request,
    loaded: Loaded,
    state: str,
    result: TransitionResult,
    context: Mapping[str, Any],
    specs: Sequence[ActionSpec],
) -> TransitionCommit:
    assert result.target_state is not None
    stored = storable(context)
    metadata: dict[str, Any] = {}
    if result.metadata.get("fallback_mode") == "persist":
        metadata = {"fallback": True, "fallback_reason": result.metadata.get("fallback_reason")}
    if request.timer is not None:
        metadata["timer"] = request.timer.timer_id
    return TransitionCommit(
        entity_id=request.entity_id,
        machine=machine.name,
        expected_version=loaded.version,
        from_state=loaded.state if loaded.state is not None else state,
        to_state=result.target_state,
        trigger=request.name,
        context=stored,
        context_changes=context_changes(loaded.context, stored),
        event_id=str(request.event.event_id) if request.event is not None else None,
        idempotency_key=request.key,
        actions=tuple(PlannedAction.from_spec(spec) for spec in specs),
        metadata=metadata,
    )


def _fields_setter() -> Any:
    """``with_metadata(result, metadata)``: ``dataclasses.replace(result, metadata=metadata)`` without
    its per-call field lookups (it is on every event's path); generated from the class's fields."""
    names = [f.name for f in fields(TransitionResult) if f.init]
    args = ", ".join("metadata" if name == "metadata" else f"result.{name}" for name in names)
    namespace: dict[str, Any] = {"TransitionResult": TransitionResult, "replace": replace}
    source = (
        "def with_metadata(result, metadata):\n"
        "    if type(result) is not TransitionResult:\n"
        "        return replace(result, metadata=metadata)\n"
        f"    return TransitionResult({args})\n"
    )
    exec(source, namespace)  # generated from the dataclass's own field names only
    return namespace["with_metadata"]


_with_metadata: Any = _fields_setter()


def decorate_success(
    result: TransitionResult, request: Request, version: int, run: ActionRun, context: Mapping[str, Any]
) -> TransitionResult:
    action_results = run.results()
    return _with_metadata(  # type: ignore[no-any-return]
        result,
        {
            **result.metadata,
            "entity_id": request.entity_id,
            "version": version,
            "idempotency_key": request.key,
            "action_results": action_results,
            "actions_succeeded": not any(r.failed for r in action_results),
            "context": storable(context),
        },
    )


def decorate_failure(result: TransitionResult, request: Request, loaded: Loaded) -> TransitionResult:
    return _with_metadata(  # type: ignore[no-any-return]
        result, {**result.metadata, "entity_id": request.entity_id, "version": loaded.version}
    )


def duplicate_result(record: TransitionRecord, request: Request) -> TransitionResult:
    """The first outcome of an event whose idempotency key was already committed."""
    return TransitionResult(
        success=True,
        source_state=record.from_state or record.to_state,
        target_state=record.to_state,
        trigger=record.trigger,
        metadata={
            "duplicate": True,
            "entity_id": request.entity_id,
            "version": record.version,
            "idempotency_key": request.key,
            "actions_status": str(record.actions_status),
        },
    )


def stale_timer_result(request: Request, loaded: Loaded) -> TransitionResult:
    """A timer fire for an entity that has moved on: nothing happens."""
    state = loaded.state or ""
    return TransitionResult(
        success=True,
        source_state=state,
        target_state=state,
        trigger=request.name,
        metadata={
            "no_op": True,
            "reason": "stale_timer",
            "entity_id": request.entity_id,
            "version": loaded.version,
        },
    )

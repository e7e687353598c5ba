"""From engine and store values to wire values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pystator.errors import FSMError
from pystator.result import ActionSpec, TransitionResult
from pystator_api.errors import fsm_error_body
from pystator_contracts.wire import ActionPlan, ErrorBody, ProcessResponse, TimerPlan

__all__ = ["action_plan", "error_body", "jsonable", "process_response", "public_metadata", "timer_plan"]

_PRIVATE_METADATA = ("action_results", "context")


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: mappings with string keys, lists, scalars; anything else as its ``str``."""
    if depth > 32:
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    return str(value)


def public_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = jsonable({k: v for k, v in metadata.items() if k not in _PRIVATE_METADATA})
    return safe


def action_plan(spec: ActionSpec) -> ActionPlan:
    return ActionPlan(
        name=spec.name,
        kind=spec.kind,
        params=jsonable(dict(spec.params)),
        phase=spec.phase,
        state=spec.state,
    )


def timer_plan(spec: Any) -> TimerPlan:
    return TimerPlan(
        timer_id=spec.timer_id,
        state=spec.state,
        delay_ms=spec.delay_ms,
        trigger=spec.trigger,
        kind=spec.kind,
        destination=spec.destination,
    )


def error_body(error: FSMError | None) -> ErrorBody | None:
    if error is None:
        return None
    body = fsm_error_body(error)
    return body if body.status < 500 else ErrorBody(status=422, code=error.code, message=body.message)


def process_response(result: TransitionResult) -> ProcessResponse:
    return ProcessResponse(
        success=result.success,
        source_state=result.source_state,
        target_state=result.target_state,
        trigger=result.trigger,
        actions=[action_plan(s) for s in result.all_action_specs],
        timers_to_start=[timer_plan(t) for t in result.timers_to_start],
        timers_to_cancel=list(result.timers_to_cancel),
        error=error_body(result.error),
        metadata=public_metadata(result.metadata),
    )

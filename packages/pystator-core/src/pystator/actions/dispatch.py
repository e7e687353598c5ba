"""From a planned ``ActionSpec`` to something runnable: the per-kind dispatch of the executor.

``prepare()`` is shared by the sync and async drivers. It normalises the definition, evaluates the
``when`` condition, and resolves the handler for the spec's kind — or returns the final
``ActionResult`` straight away (skipped: condition false or action not registered; failed: a bad
definition, ``code:`` disabled). A handler takes the action's private copy of the context and
returns the action's value (or an awaitable for async registered actions).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pystator.actions.code import CodeActionsDisabledError, run_code
from pystator.actions.effects import apply_effect
from pystator.actions.http import HttpActionsDisabledError, prepare_request, send_request
from pystator.actions.options import RunOptions, compiled_condition, options_of
from pystator.actions.result import ActionResult, ActionStatus
from pystator.actions.specs import action_spec_from_entry
from pystator.errors import ActionExecutionError, ActionNotFoundError

if TYPE_CHECKING:
    from pystator.actions.registry import ActionRegistry
    from pystator.result import ActionSpec

__all__ = ["DispatchSettings", "Handler", "Ready", "finished", "prepare"]

Handler = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """What the executor was configured with, as the dispatch needs it."""

    registry: ActionRegistry
    builtins: ActionRegistry | None
    strict: bool
    allow_code: bool
    allow_http: bool
    http_timeout: float
    max_response_bytes: int
    clock: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Ready:
    """A spec ready to run: its handler, options, and whether it blocks (run it off the event loop)."""

    spec: ActionSpec
    definition: Any
    options: RunOptions
    handler: Handler | None
    blocking: bool


def finished(
    spec: ActionSpec,
    status: ActionStatus,
    *,
    error: BaseException | None = None,
    reason: str = "",
    result: Any = None,
    duration_ms: float = 0.0,
    attempts: int = 0,
) -> ActionResult:
    return ActionResult(
        spec.name,
        status,
        result=result,
        error=error,
        duration_ms=duration_ms,
        attempts=attempts,
        reason=reason,
        phase=spec.phase,
        kind=spec.kind,
    )


def _definition(spec: ActionSpec) -> Any:
    """The contract model behind a spec; a plain dict (hand-built spec) is validated first."""
    if isinstance(spec.definition, Mapping):
        return action_spec_from_entry(spec.definition, phase=spec.phase, state=spec.state).definition
    return spec.definition


def _registered(spec: ActionSpec, settings: DispatchSettings) -> Callable[..., Any] | None:
    if settings.registry.has(spec.name):
        return settings.registry.get(spec.name)
    if settings.builtins is not None and settings.builtins.has(spec.name):
        return settings.builtins.get(spec.name)
    return None


def check_registered(spec: ActionSpec, settings: DispatchSettings) -> None:
    """Raise ``ActionNotFoundError`` for a call/custom spec whose name nobody registered."""
    if spec.kind in ("call", "custom") and _registered(spec, settings) is None:
        raise ActionNotFoundError(f"action {spec.name!r} is not registered", action_name=spec.name)


@lru_cache(maxsize=4096)
def _is_async(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def _call_handler(
    spec: ActionSpec, definition: Any, options: RunOptions, settings: DispatchSettings
) -> Ready | ActionResult:
    fn = _registered(spec, settings)
    if fn is None:
        missing = ActionNotFoundError(f"action {spec.name!r} is not registered", action_name=spec.name)
        if settings.strict:
            raise missing
        return finished(spec, ActionStatus.SKIPPED, error=missing, reason="not registered")
    params = dict(spec.params)
    try:
        blocking = not _is_async(fn)
    except TypeError:  # an unhashable callable object: ask every time
        blocking = not _is_async.__wrapped__(fn)
    return Ready(spec, definition, options, lambda ctx: fn(ctx, **params), blocking)


def _kind_handler(
    spec: ActionSpec, definition: Any, options: RunOptions, settings: DispatchSettings
) -> Ready | ActionResult:
    if spec.kind in ("call", "custom"):
        return _call_handler(spec, definition, options, settings)
    if spec.kind == "effect":
        name, clock = spec.name, settings.clock
        return Ready(
            spec, definition, options, lambda ctx: apply_effect(name, definition, ctx, now=clock), False
        )
    if spec.kind == "http":
        if not settings.allow_http:
            return finished(
                spec, ActionStatus.FAILED, error=HttpActionsDisabledError(), reason="http actions disabled"
            )
        return Ready(spec, definition, options, _http_handler(definition, settings), blocking=True)
    if spec.kind == "code":
        if not settings.allow_code:
            return finished(
                spec, ActionStatus.FAILED, error=CodeActionsDisabledError(), reason="code actions disabled"
            )
        source, params = definition.code.source, dict(spec.params)
        return Ready(spec, definition, options, lambda ctx: run_code(source, ctx, params), blocking=True)
    if spec.kind == "branch":
        return Ready(spec, definition, options, None, blocking=False)
    error = ActionExecutionError(f"action {spec.name!r}: unknown kind {spec.kind!r}", action_name=spec.name)
    return finished(spec, ActionStatus.FAILED, error=error, reason="unknown kind")


def _http_handler(definition: Any, settings: DispatchSettings) -> Handler:
    timeout = getattr(definition, "timeout", None) or settings.http_timeout
    limit = settings.max_response_bytes

    def handler(ctx: dict[str, Any]) -> Any:
        return send_request(prepare_request(definition.http, ctx), timeout=timeout, max_response_bytes=limit)

    return handler


def prepare(spec: ActionSpec, context: Mapping[str, Any], settings: DispatchSettings) -> Ready | ActionResult:
    """Resolve ``spec`` against ``context``: a ``Ready`` to run, or its final result already."""
    try:
        definition = _definition(spec)
        options = options_of(definition)
        if options.when is not None and not compiled_condition(options.when)(context):
            return finished(spec, ActionStatus.SKIPPED, reason="when: condition is false")
        return _kind_handler(spec, definition, options, settings)
    except ActionNotFoundError:
        raise
    except Exception as exc:
        return finished(spec, ActionStatus.FAILED, error=exc, reason="could not prepare the action")

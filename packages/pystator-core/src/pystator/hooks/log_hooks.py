"""Ready-made logging hooks: ``LoggingHook`` (readable lines) and ``StructuredLoggingHook`` (JSON)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["LoggingHook", "StructuredLoggingHook"]


class LoggingHook:
    """Logs each stage: arrivals and starts at DEBUG, completions at ``level``, errors at WARNING."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("pystator.transitions")
        self.level = level

    def on_before_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.logger.debug("event %s for entity %s in state %s", trigger, entity_id, current_state)

    def on_transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        self.logger.debug("transition start: %s on %s", current_state, trigger)

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        if result.success:
            self.logger.log(
                self.level,
                "transition %s --%s--> %s (%.2f ms)",
                result.source_state,
                result.trigger,
                result.target_state,
                duration_ms,
            )
        else:
            reason = result.metadata.get("reason", "failed")
            self.logger.log(
                self.level,
                "transition refused: %s on %s: %s (%.2f ms)",
                result.source_state,
                result.trigger,
                reason,
                duration_ms,
            )

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self.logger.warning(
            "transition error: %s on %s: %s: %s", current_state, trigger, type(error).__name__, error
        )


_entity: ContextVar[str | None] = ContextVar("pystator_hook_entity", default=None)


def _error_fields(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    code = getattr(error, "code", None)
    return {
        "type": type(error).__name__,
        "code": str(code) if code is not None else None,
        "message": str(error),
    }


class StructuredLoggingHook:
    """Writes one JSON object per transition (completed or raised) to ``logger`` at ``level``.

    Keys: ``event`` ("transition"), ``timestamp``, ``entity_id`` (when ``on_before_process`` was
    called for it), ``source_state``, ``target_state``, ``trigger``, ``success``, ``duration_ms``,
    ``reason``, ``error`` ({type, code, message} or null), ``actions``, plus ``extra``.
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        level: int = logging.INFO,
        *,
        extra: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.logger = logger or logging.getLogger("pystator.transitions.json")
        self.level = level
        self.extra = dict(extra or {})
        self._clock = clock or (lambda: datetime.now(UTC))

    def on_before_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        _entity.set(entity_id)

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self._emit(
            {
                "source_state": result.source_state,
                "target_state": result.target_state,
                "trigger": result.trigger,
                "success": result.success,
                "duration_ms": round(duration_ms, 3),
                "reason": result.metadata.get("reason"),
                "error": _error_fields(result.error),
                "actions": list(result.all_actions),
            }
        )

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        self._emit(
            {
                "source_state": current_state,
                "target_state": None,
                "trigger": trigger,
                "success": False,
                "duration_ms": None,
                "reason": "exception",
                "error": _error_fields(error),
                "actions": [],
            }
        )

    def _emit(self, fields: dict[str, Any]) -> None:
        entity_id = _entity.get()
        _entity.set(None)
        if not self.logger.isEnabledFor(self.level):
            return
        record = {
            "event": "transition",
            "timestamp": self._clock().isoformat(),
            "entity_id": entity_id,
            **fields,
            **self.extra,
        }
        self.logger.log(self.level, json.dumps(record, default=str, sort_keys=True))

"""``ActionRegistry``: named action callables (sync or async) taking the context and params."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any

from pystator._registry import NamedRegistry
from pystator.actions.result import ActionResult, ActionStatus
from pystator.errors import ActionExecutionError, ActionNotFoundError

__all__ = ["ActionFn", "ActionRegistry"]

ActionFn = Callable[..., Any]


class ActionRegistry(NamedRegistry[ActionFn]):
    kind = "action"

    def _not_found(self, name: str) -> Exception:
        return ActionNotFoundError(f"action {name!r} is not registered", action_name=name)

    def list_actions(self) -> list[str]:
        return self.names()

    def is_async(self, name: str) -> bool:
        return inspect.iscoroutinefunction(self.get(name))

    def execute(
        self,
        name: str,
        context: Mapping[str, Any],
        raise_on_error: bool = False,
        **params: Any,
    ) -> ActionResult:
        """Run one sync action; params reach it as keyword arguments."""
        started = time.perf_counter()
        try:
            fn = self.get(name)
            value = fn(context, **params)
            if inspect.isawaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()
                raise TypeError(f"action {name!r} is async: use aexecute()")
        except Exception as exc:
            if raise_on_error:
                if isinstance(exc, ActionNotFoundError):
                    raise
                raise ActionExecutionError(f"action {name!r} failed: {exc}", action_name=name) from exc
            return ActionResult(name, ActionStatus.FAILED, error=exc, duration_ms=_ms_since(started))
        return ActionResult(name, ActionStatus.SUCCESS, result=value, duration_ms=_ms_since(started))

    async def aexecute(
        self,
        name: str,
        context: Mapping[str, Any],
        raise_on_error: bool = False,
        **params: Any,
    ) -> ActionResult:
        started = time.perf_counter()
        try:
            value = self.get(name)(context, **params)
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            if raise_on_error:
                if isinstance(exc, ActionNotFoundError):
                    raise
                raise ActionExecutionError(f"action {name!r} failed: {exc}", action_name=name) from exc
            return ActionResult(name, ActionStatus.FAILED, error=exc, duration_ms=_ms_since(started))
        return ActionResult(name, ActionStatus.SUCCESS, result=value, duration_ms=_ms_since(started))


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0

"""``GuardRegistry``: named guard callables (sync or async) taking the context."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pystator._registry import NamedRegistry
from pystator.errors import GuardNotFoundError

__all__ = ["GuardFn", "GuardRegistry"]

GuardFn = Callable[[Mapping[str, Any]], bool | Awaitable[bool]]


class GuardRegistry(NamedRegistry[GuardFn]):
    kind = "guard"

    def _not_found(self, name: str) -> Exception:
        return GuardNotFoundError(f"guard {name!r} is not registered", guard_name=name)

    def list_guards(self) -> list[str]:
        return self.names()

    def is_async(self, name: str) -> bool:
        return inspect.iscoroutinefunction(self.get(name))

    def evaluate(self, name: str, context: Mapping[str, Any]) -> bool:
        """Run a sync guard; an async guard here is an error (use ``aevaluate``)."""
        outcome = self.get(name)(context)
        if inspect.isawaitable(outcome):
            close = getattr(outcome, "close", None)
            if close is not None:
                close()
            raise TypeError(f"guard {name!r} is async: use aevaluate() or StateMachine.aprocess()")
        return bool(outcome)

    async def aevaluate(self, name: str, context: Mapping[str, Any]) -> bool:
        outcome = self.get(name)(context)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        return bool(outcome)

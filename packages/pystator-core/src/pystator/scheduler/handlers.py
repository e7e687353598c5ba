"""Named timer handlers: how a timer stored outside the process finds its callback again.

A durable backend cannot store a Python callable, so it stores a name. Each process registers its
handlers under names that are the same in every replica (``register``); a callable passed straight
to ``schedule`` is registered under its import path (``module.qualname``) on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pystator.scheduler.protocol import TimerCallback

__all__ = ["HandlerRegistry", "callable_name"]

MAX_NAME_LENGTH = 200


def callable_name(fn: object) -> str:
    """``module.qualname`` of a function or bound method (the class's for other callables)."""
    target = getattr(fn, "__func__", fn)
    module = getattr(target, "__module__", None) or type(fn).__module__
    qualname = getattr(target, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{qualname}"


class HandlerRegistry:
    """Handlers by name, in one process."""

    def __init__(self) -> None:
        self._handlers: dict[str, TimerCallback] = {}

    def register(self, name: str, handler: TimerCallback) -> None:
        """Register ``handler`` under ``name``; registering the same pair again is a no-op."""
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise ValueError(
                f"handler name: expected a non-empty string of at most {MAX_NAME_LENGTH} characters, "
                f"got {name!r}"
            )
        if not callable(handler):
            raise TypeError(f"handler {name!r}: expected a callable, got {type(handler).__name__}")
        current = self._handlers.get(name)
        if current is not None and current != handler:
            raise ValueError(
                f"handler name {name!r} is already registered to another callable "
                f"({callable_name(current)}); choose another name"
            )
        self._handlers[name] = handler

    def get(self, name: str) -> TimerCallback | None:
        return self._handlers.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def names(self) -> list[str]:
        return list(self._handlers)

    def name_for(self, callback: TimerCallback | str) -> str:
        """The stored name of ``callback``: registering a callable under its import path if needed."""
        if isinstance(callback, str):
            if callback not in self._handlers:
                raise ValueError(
                    f"callback: no handler is registered under the name {callback!r}; "
                    "call register_handler(name, fn) first"
                )
            return callback
        if not callable(callback):
            raise TypeError(
                f"callback: expected a callable or a registered handler name, got {type(callback).__name__}"
            )
        for name, handler in self._handlers.items():
            if handler == callback:
                return name
        name = callable_name(callback)
        if name in self._handlers:
            raise ValueError(
                f"callback: another callable is already registered as {name!r} (two objects' bound "
                "methods share one import path); register each with register_handler(unique_name, fn) "
                "and pass the name"
            )
        self._handlers[name] = callback
        return name

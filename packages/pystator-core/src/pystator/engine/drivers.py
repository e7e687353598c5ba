"""The two thin drivers of the kernel: synchronous and asynchronous.

``Kernel.start`` returns a ``TransitionResult`` when it could finish synchronously, or a generator
that yields guard awaitables; the drivers run such a generator. ``drive_async`` awaits each
awaitable and sends the verdict back (an exception is thrown back in, so the kernel handles it
exactly like a synchronous one); ``drive_sync`` refuses: it closes the awaitable and throws
``AsyncGuardInSyncCall`` into the kernel, which reports the async guard by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Generator
from typing import Any, TypeVar

__all__ = ["AsyncGuardInSyncCall", "drive_async", "drive_sync"]

T = TypeVar("T")


class AsyncGuardInSyncCall(Exception):
    """Thrown into the kernel by ``drive_sync`` when a guard returned an awaitable."""


def drive_sync(outcome: Generator[Any, Any, T]) -> T:
    try:
        pending = outcome.send(None)
        while True:
            _discard(pending)
            pending = outcome.throw(AsyncGuardInSyncCall())
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def drive_async(outcome: Generator[Any, Any, T]) -> T:
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            pending = outcome.send(value) if error is None else outcome.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = None, None
        try:
            value = await pending
        except Exception as exc:
            error = exc


def _discard(pending: Awaitable[Any]) -> None:
    close = getattr(pending, "close", None)
    if close is not None:
        close()

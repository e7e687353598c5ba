"""One algorithm, two drivers: the Orchestrator's event steps run synchronously or asynchronously.

The algorithm is a generator that yields a ``Call`` whenever it needs I/O (the store, the scheduler,
hooks, actions). ``drive_sync`` runs the call's sync function, ``drive_async`` awaits its async
twin; the value is sent back into the generator and an ``Exception`` is thrown back in, so the
algorithm handles failures (a version conflict, a store error) the same way on both paths. A
``BaseException`` (a cancelled task, a dying process) is not the algorithm's to handle: it passes
straight out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from pystator.stores._fastinit import fast_frozen_init

__all__ = ["Call", "Steps", "drive_async", "drive_sync"]

T = TypeVar("T")


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Call:
    """One piece of I/O: ``sync(*args)`` on the sync path, ``await asynchronous(*args)`` on the other."""

    sync: Callable[..., Any]
    asynchronous: Callable[..., Awaitable[Any]]
    args: tuple[Any, ...] = ()


Steps = Generator[Call, Any, T]


def drive_sync(steps: Steps[T]) -> T:
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            try:
                call = steps.send(value) if error is None else steps.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = call.sync(*call.args)
            except Exception as exc:
                error = exc
    finally:
        steps.close()


async def drive_async(steps: Steps[T]) -> T:
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            try:
                call = steps.send(value) if error is None else steps.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = await call.asynchronous(*call.args)
            except Exception as exc:
                error = exc
    finally:
        steps.close()

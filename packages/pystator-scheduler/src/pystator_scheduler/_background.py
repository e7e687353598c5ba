"""Stopping background loops reliably, even when a library swallows a cancellation."""

from __future__ import annotations

import asyncio

__all__ = ["cancel_requested", "stop"]


def cancel_requested() -> bool:
    """True once the running task was asked to cancel, even if a library swallowed the
    CancelledError (redis-py can, inside a command): background loops check it to stop anyway."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def stop(background: asyncio.Task[None] | None, timeout_s: float) -> None:
    """Wait for a background loop that was told to stop; cancel it if it does not in time."""
    if background is None:
        return
    _, pending = await asyncio.wait({background}, timeout=timeout_s)
    if pending:
        background.cancel()
        await asyncio.wait({background}, timeout=timeout_s)

"""``Coalescer``: operations issued together on one event loop leave as one round trip.

When many tasks of one loop call the store at once (a fleet of entities processed concurrently),
each call costing its own round trip leaves the server and the client mostly waiting. A
``Coalescer`` gathers the operations submitted during one iteration of the loop and hands them to
``run_many`` together (one statement over arrays, one pipeline), DataLoader style; each caller
still gets its own outcome, a result or its own exception.

- Nothing waits when nothing else is going on: an operation submitted while no other is pending or
  in flight runs at once through ``run_one`` (one entity in series pays no extra loop iteration).
- Operations on one key (an entity) keep their order: an operation whose key is pending or in
  flight waits for the earlier one to finish before it is sent, so one batch never holds two
  operations on the same key, and a later commit never overtakes an earlier one.
- A caller cancelled before its operation was sent is dropped from the batch; once sent, the
  operation completes (or not) like any request whose caller stopped waiting.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

__all__ = ["Coalescer"]

I = TypeVar("I")  # noqa: E741 - the item submitted
R = TypeVar("R")

_Entry = tuple[Hashable, I, "asyncio.Future[R]"]


class Coalescer(Generic[I, R]):
    """Coalesce ``submit(key, item)`` calls of one event loop into batches.

    ``run_one(item)`` runs a lone operation; ``run_many(items)`` runs a batch of at least two (with
    distinct keys) and returns, in order, each item's result or the exception it must raise.
    """

    def __init__(
        self,
        run_one: Callable[[I], Awaitable[R]],
        run_many: Callable[[Sequence[I]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int = 256,
        ordered: bool = True,
    ) -> None:
        self._run_one = run_one
        self._run_many = run_many
        self._max_batch = max_batch
        self._ordered = ordered
        self._queue: list[_Entry[I, R]] = []
        self._busy: set[Hashable] = set()  # keys queued or in flight
        self._blocked: dict[Hashable, deque[_Entry[I, R]]] = {}
        self._running = 0
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def idle(self) -> bool:
        return not self._running and not self._queue and not self._blocked

    async def submit(self, key: Hashable, item: I) -> R:
        """Run ``item`` (alone or in a batch) and return its result; ``key`` orders it (see above)."""
        if self._running == 0 and not self._queue and key not in self._busy:
            return await self._alone(key, item)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        entry = (key, item, future)
        if self._ordered and key in self._busy:
            self._blocked.setdefault(key, deque()).append(entry)
        else:
            self._enqueue(entry)
        return await future

    async def _alone(self, key: Hashable, item: I) -> R:
        self._running += 1
        if self._ordered:
            self._busy.add(key)
        try:
            return await self._run_one(item)
        finally:
            self._running -= 1
            self._release(key)

    def _enqueue(self, entry: _Entry[I, R]) -> None:
        if self._ordered:
            self._busy.add(entry[0])
        self._queue.append(entry)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _release(self, key: Hashable) -> None:
        if not self._ordered:
            return
        waiting = self._blocked.get(key)
        if not waiting:
            self._busy.discard(key)
            return
        entry = waiting.popleft()
        if not waiting:
            del self._blocked[key]
        self._queue.append(entry)  # the key stays busy: it moves from in flight to queued
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        queue, self._queue = self._queue, []
        live: list[_Entry[I, R]] = []
        for entry in queue:
            if entry[2].done():  # its caller was cancelled before it was sent
                self._release(entry[0])
            else:
                live.append(entry)
        for start in range(0, len(live), self._max_batch):
            batch = live[start : start + self._max_batch]
            self._running += 1
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[_Entry[I, R]]) -> None:
        try:
            if len(batch) == 1:
                outcomes: Sequence[R | BaseException]
                try:
                    outcomes = [await self._run_one(batch[0][1])]
                except Exception as exc:
                    outcomes = [exc]
            else:
                outcomes = await self._run_many([item for _, item, _ in batch])
        except Exception as exc:
            outcomes = [exc] * len(batch)
        except BaseException:  # cancelled with its loop: so are the callers
            self._settle(batch, [asyncio.CancelledError()] * len(batch))
            raise
        self._settle(batch, outcomes)

    def _settle(self, batch: list[_Entry[I, R]], outcomes: Sequence[R | BaseException]) -> None:
        self._running -= 1
        for (key, _, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                if isinstance(outcome, asyncio.CancelledError):
                    future.cancel()
                elif isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            self._release(key)

"""``RedisTimerStore``: timers as data in Redis, changed only by the atomic scripts in ``_lua``.

Shared by ``RedisScheduler`` (which polls for due timers) and ``CeleryScheduler`` (whose delayed
Celery messages claim one timer each). It knows nothing of handlers or event loops beyond the one
its client runs on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from redis.asyncio import Redis

from pystator.errors import SchedulerError
from pystator.scheduler.lag import lag_percentiles
from pystator.scheduler.protocol import ScheduledTask, SchedulerMetrics, TaskStatus
from pystator.scheduler.timer_request import TimerRequest, decode_event, encode_event
from pystator_scheduler import _lua

__all__ = ["ClaimBatch", "ClaimOne", "Claimed", "RedisTimerStore"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

logger = logging.getLogger("pystator.scheduler")

# What decoding a damaged record raises (JSONDecodeError is a ValueError).
_UNREADABLE = (KeyError, ValueError, TypeError, IndexError)


def _ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(flat: Sequence[Any]) -> dict[str, str]:
    return {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat), 2)}


@dataclass(frozen=True, slots=True)
class Claimed:
    """A timer this process holds a lease on; ``token`` proves it when acknowledging."""

    task: ScheduledTask
    token: str
    next_ms: int


@dataclass(frozen=True, slots=True)
class ClaimBatch:
    now_ms: int
    next_due_ms: int | None
    claimed: list[Claimed]


@dataclass(frozen=True, slots=True)
class ClaimOne:
    outcome: Literal["fire", "wait", "drop"]
    claimed: Claimed | None = None
    wait_ms: int = 0
    reason: str = ""


class RedisTimerStore:
    """Timer records under ``prefix`` in the Redis server ``client`` talks to."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._handlers_key = prefix + "handlers"
        scripts = {
            name: client.register_script(getattr(_lua, name))
            for name in (
                "SCHEDULE",
                "CLAIM_DUE",
                "CLAIM_ONE",
                "REARM",
                "ACK",
                "FAIL",
                "RELEASE",
                "EXTEND",
                "CANCEL",
                "CANCEL_ENTITY",
                "FORGET",
                "SWEEP",
            )
        }
        self._scripts = scripts

    async def _run(self, name: str, *args: Any) -> Any:
        # One key is declared so that a cluster routes the script to the prefix's slot.
        return await self._scripts[name](keys=[self._handlers_key], args=[self.prefix, *args])

    def _due_key(self, handler: str) -> str:
        return self.prefix + "due:" + handler

    async def handler_names(self) -> list[str]:
        return sorted(_text(name) for name in await self.client.smembers(self._handlers_key))

    # ---------------------------------------------------------------- writes

    async def schedule(self, request: TimerRequest, handler: str) -> bool:
        """Store a pending timer; False when its id is already known (then nothing changes)."""
        body = json.dumps(
            {"event": json.loads(encode_event(request.event)), "metadata": request.metadata},
            separators=(",", ":"),
        )
        created, _, _ = await self._run(
            "SCHEDULE", request.task_id, request.entity_id, body, request.delay_ms, handler
        )
        return bool(created)

    async def claim_due(
        self,
        handlers: Sequence[str],
        *,
        limit: int,
        lease_ms: int,
        owner: str,
        retention_s: int,
        reap_limit: int = 100,
    ) -> ClaimBatch:
        """Claim up to ``limit`` due timers of ``handlers``, recovering expired leases first."""
        now, next_due, rows = await self._run("CLAIM_DUE", limit, lease_ms, owner, reap_limit, *handlers)
        claimed = [await self._decode_claim(row, retention_s) for row in rows]
        return ClaimBatch(
            now_ms=int(now),
            next_due_ms=None if int(next_due) < 0 else int(next_due),
            claimed=[c for c in claimed if c is not None],
        )

    async def claim_one(
        self, task_id: str, hop: int, *, lease_ms: int, owner: str, retention_s: int
    ) -> ClaimOne:
        outcome, detail = await self._run("CLAIM_ONE", task_id, hop, lease_ms, owner)
        outcome = _text(outcome)
        if outcome == "fire":
            claimed = await self._decode_claim(detail, retention_s)
            if claimed is None:
                return ClaimOne("drop", reason="undecodable")
            return ClaimOne("fire", claimed=claimed)
        if outcome == "wait":
            return ClaimOne("wait", wait_ms=int(detail))
        return ClaimOne("drop", reason=_text(detail))

    async def rearm(self, task_id: str, hop: int) -> int:
        """Move a pending timer to ``hop + 1``; -1 when it is not pending at ``hop``."""
        return int(await self._run("REARM", task_id, hop))

    async def ack(self, claimed: Claimed, retention_s: int) -> bool:
        return bool(await self._run("ACK", claimed.task.task_id, claimed.token, retention_s))

    async def fail(
        self, claimed: Claimed, error: str, *, backoff_ms: int, max_attempts: int, retention_s: int
    ) -> int:
        """New hop (>= 1) when retried, 0 when failed for good, -1 when the lease was lost."""
        return int(
            await self._run(
                "FAIL", claimed.task.task_id, claimed.token, error, backoff_ms, max_attempts, retention_s
            )
        )

    async def release(self, claimed: Claimed) -> bool:
        return bool(await self._run("RELEASE", claimed.task.task_id, claimed.token))

    async def extend(self, leases: Mapping[str, str], lease_ms: int) -> int:
        if not leases:
            return 0
        flat = [item for pair in leases.items() for item in pair]
        return int(await self._run("EXTEND", lease_ms, *flat))

    async def cancel(self, task_id: str, retention_s: int) -> bool:
        return bool(await self._run("CANCEL", task_id, retention_s))

    async def cancel_entity(self, entity_id: str, retention_s: int) -> int:
        return int(await self._run("CANCEL_ENTITY", entity_id, retention_s))

    async def forget(self, task_id: str) -> bool:
        """Remove a pending timer entirely, as if it had never been scheduled."""
        return bool(await self._run("FORGET", task_id))

    async def sweep(self, grace_ms: int, limit: int) -> list[tuple[str, int]]:
        rows = await self._run("SWEEP", grace_ms, limit)
        return [(_text(task_id), int(hop)) for task_id, hop in rows]

    # ---------------------------------------------------------------- reads

    async def get(self, task_id: str) -> ScheduledTask | None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(self.prefix + "t:" + task_id)
            pipe.get(self.prefix + "b:" + task_id)
            fields, body = await pipe.execute()
        if not fields or body is None:
            return None
        try:
            return self._task(task_id, {_text(k): _text(v) for k, v in fields.items()}, _text(body))
        except _UNREADABLE as exc:
            raise SchedulerError(
                f"timer {task_id!r} has an unreadable record: {exc!r}", context={"task_id": task_id}
            ) from exc

    async def hop(self, task_id: str) -> int | None:
        value = await self.client.hget(self.prefix + "t:" + task_id, "hop")
        return None if value is None else int(value)

    async def pending(self, entity_id: str | None = None) -> list[ScheduledTask]:
        """Pending timers, in the order they will fire."""
        if entity_id is None:
            ids = []
            for handler in await self.handler_names():
                ids += [_text(i) for i in await self.client.zrange(self._due_key(handler), 0, -1)]
        else:
            ids = [_text(i) for i in await self.client.zrange(self.prefix + "e:" + entity_id, 0, -1)]
        async with self.client.pipeline(transaction=False) as pipe:
            for task_id in ids:
                pipe.hgetall(self.prefix + "t:" + task_id)
                pipe.get(self.prefix + "b:" + task_id)
            replies = await pipe.execute()
        tasks: list[tuple[int, ScheduledTask]] = []
        for index, task_id in enumerate(ids):
            fields, body = replies[2 * index], replies[2 * index + 1]
            if not fields or body is None:
                continue
            decoded = {_text(k): _text(v) for k, v in fields.items()}
            if decoded.get("status") != TaskStatus.PENDING.value:
                continue
            try:
                tasks.append((int(decoded["next"]), self._task(task_id, decoded, _text(body))))
            except _UNREADABLE as exc:
                logger.error("timer %s has an unreadable record, not listed: %r", task_id, exc)
        tasks.sort(key=lambda item: (item[0], item[1].scheduled_at))
        return [task for _, task in tasks]

    async def count_pending(self) -> int:
        handlers = await self.handler_names()
        async with self.client.pipeline(transaction=False) as pipe:
            for handler in handlers:
                pipe.zcard(self._due_key(handler))
            counts = await pipe.execute()
        return sum(int(count) for count in counts)

    async def metrics(self) -> SchedulerMetrics:
        handlers = await self.handler_names()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zcard(self.prefix + "inflight")
            pipe.hgetall(self.prefix + "stats")
            pipe.lrange(self.prefix + "lags", 0, -1)
            pipe.time()
            for handler in handlers:
                pipe.zcard(self._due_key(handler))
                pipe.zrange(self._due_key(handler), 0, 0, withscores=True)
            in_flight, stats, lags, (seconds, micros), *per_handler = await pipe.execute()
        counters = {_text(k): int(v) for k, v in stats.items()}
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        pending = sum(int(count) for count in per_handler[0::2])
        heads = [float(head[0][1]) for head in per_handler[1::2] if head]
        overdue = max(0.0, now_ms - min(heads)) if heads else 0.0
        p50, p99 = lag_percentiles(float(lag) for lag in lags)
        return SchedulerMetrics(
            pending=int(pending),
            in_flight=int(in_flight),
            fired=counters.get("fired", 0),
            failed=counters.get("failed", 0),
            cancelled=counters.get("cancelled", 0),
            retried=counters.get("retried", 0),
            recovered=counters.get("recovered", 0),
            lag_p50_ms=p50,
            lag_p99_ms=p99,
            overdue_ms=overdue,
        )

    # ---------------------------------------------------------------- decoding

    async def _decode_claim(self, row: Sequence[Any], retention_s: int) -> Claimed | None:
        """The claimed timer, or None after failing a record that cannot be read (so that one bad
        record cannot block the others by being claimed, recovered and claimed again forever)."""
        try:
            return self._claimed(row)
        except _UNREADABLE as exc:
            task_id, token = _text(row[0]), _text(row[1])
            logger.error("timer %s has an unreadable record, marking it failed: %r", task_id, exc)
            await self._run("FAIL", task_id, token, f"unreadable timer record: {exc!r}", 0, 0, retention_s)
            return None

    def _claimed(self, row: Sequence[Any]) -> Claimed:
        task_id, token, flat_fields, body = row
        fields = _pairs(flat_fields)
        return Claimed(
            task=self._task(_text(task_id), fields, _text(body)),
            token=_text(token),
            next_ms=int(fields["next"]),
        )

    @staticmethod
    def _task(task_id: str, fields: Mapping[str, str], body_text: str) -> ScheduledTask:
        body = json.loads(body_text)
        fired = fields.get("fired")
        return ScheduledTask(
            task_id=task_id,
            entity_id=fields["entity"],
            event=decode_event(json.dumps(body["event"])),
            delay_ms=int(fields["delay"]),
            status=TaskStatus(fields["status"]),
            scheduled_at=_ms_to_datetime(int(fields["sched"])),
            fires_at=_ms_to_datetime(int(fields["due"])),
            fired_at=_ms_to_datetime(int(fields["fired"])) if fired else None,
            metadata=body["metadata"],
            handler=fields["handler"],
            attempts=int(fields["attempts"]),
            error=fields.get("error") or None,
        )

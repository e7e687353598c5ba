"""The server-sent-events feed of committed transitions.

Each connection polls the history table (every replica's commits land there) with a cursor on
``(occurred_at, entity_id, version)``. A transaction may commit a little after the timestamp it
wrote, so every poll looks back ``LOOKBACK`` before the cursor and skips the rows it already sent;
a row committed more than that late could be missed (commits take milliseconds). The stream ends
after ``max_events`` events, after ``max_seconds``, or when the client disconnects.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from pystator_api.models import TransitionOut
from pystator_stores.fleet import FeedCursor, FleetQueries

__all__ = ["LOOKBACK", "sse_transitions"]

LOOKBACK = timedelta(seconds=5)
HEARTBEAT_SECONDS = 15.0
_PAGE = 200


async def sse_transitions(
    fleet: FleetQueries,
    *,
    since: datetime,
    machine: str | None,
    entity_id: str | None,
    poll_interval: float,
    max_events: int | None,
    max_seconds: float | None,
    is_disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    sent: dict[tuple[str, int], datetime] = {}
    cursor_time = since
    count = 0
    started = last_write = time.monotonic()
    yield ": pystator transitions\n\n"
    while True:
        if await is_disconnected():
            return
        after: FeedCursor | None = None
        while True:
            page = await fleet.transitions(
                machine=machine, entity_id=entity_id, since=cursor_time - LOOKBACK, after=after, limit=_PAGE
            )
            for record in page.items:
                key = (record.entity_id, record.version)
                if key in sent or record.timestamp < since:
                    continue
                sent[key] = record.timestamp
                cursor_time = max(cursor_time, record.timestamp)
                event = TransitionOut.of(record).model_dump(mode="json")
                cursor = FeedCursor.of(record).encode()
                yield f"id: {cursor}\nevent: transition\ndata: {json.dumps(event)}\n\n"
                last_write = time.monotonic()
                count += 1
                if max_events is not None and count >= max_events:
                    return
            if page.next_cursor is None:
                break
            after = page.next_cursor
        horizon = cursor_time - LOOKBACK
        for key in [k for k, at in sent.items() if at < horizon]:
            del sent[key]
        now = time.monotonic()
        if max_seconds is not None and now - started >= max_seconds:
            return
        if now - last_write >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            last_write = now
        await asyncio.sleep(poll_interval)

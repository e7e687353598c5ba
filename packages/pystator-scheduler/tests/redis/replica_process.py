"""A RedisScheduler replica in its own process, for the multi-process and SIGKILL tests.

    python replica_process.py URL PREFIX record   # count each fire in PREFIX..'fires'
    python replica_process.py URL PREFIX block    # note each claim in PREFIX..'started', then hang

Either stops when an entry is pushed to PREFIX..'stop'.
"""

from __future__ import annotations

import asyncio
import os
import sys

import redis.asyncio as aioredis

from pystator.scheduler import ScheduledTask
from pystator_scheduler.redis import RedisScheduler


async def main(url: str, prefix: str, mode: str) -> None:
    client = aioredis.Redis.from_url(url)
    if mode == "block":  # a short lease: the SIGKILL test waits for it to run out
        scheduler = RedisScheduler(url, prefix=prefix, lease_ms=500, max_concurrency=5)
    else:
        scheduler = RedisScheduler(url, prefix=prefix)

    async def record(task: ScheduledTask) -> None:
        await client.hincrby(prefix + "fires", task.task_id, 1)

    async def block(task: ScheduledTask) -> None:
        await client.rpush(prefix + "started", task.task_id)
        await asyncio.Event().wait()

    if mode == "record":
        scheduler.register_handler("replica_record", record)
    else:
        scheduler.register_handler("replica_block", block)
    await scheduler.start()
    await client.rpush(prefix + "ready", "1")
    parent = os.getppid()
    # Wait for the stop entry; the client's socket timeout is 5 s, hence the 1 s polls. Leave
    # also when the test process is gone (killed), so that no replica outlives it.
    while not await client.blpop([prefix + "stop"], timeout=1):
        if os.getppid() != parent:
            break
    await scheduler.close()
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))

"""One RedisScheduler replica for bench_scheduler: counts each fire in Redis until told to stop.

python _scheduler_replica.py URL PREFIX
"""

from __future__ import annotations

import asyncio
import os
import sys

import redis.asyncio as aioredis

from pystator.scheduler import ScheduledTask
from pystator_scheduler.redis import RedisScheduler


async def main(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    scheduler = RedisScheduler(url, prefix=prefix, poll_interval_ms=20)

    async def count(task: ScheduledTask) -> None:
        await client.hincrby(prefix + "fires", task.task_id, 1)

    scheduler.register_handler("bench_count", count)
    await scheduler.start()
    await client.rpush(prefix + "ready", "1")
    parent = os.getppid()
    # Wait for the stop entry; the client's socket timeout is 5 s, hence the 1 s polls. Leave
    # also when the benchmark process is gone (killed), so that no replica outlives it.
    while not await client.blpop([prefix + "stop"], timeout=1):
        if os.getppid() != parent:
            break
    await scheduler.close()
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

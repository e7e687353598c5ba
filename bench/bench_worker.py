"""Worker queue figures on the real PostgreSQL: sustained events/s with 1 and 2 worker processes, and
submit-to-applied latency p50/p99 at a steady 500 events/s.

Each run gets a fresh database. Throughput: 20,000 events over 1,000 entities are queued first, then
the worker processes drain them; the figure is events over the span from the first claim to the last
finish (server timestamps). Latency: two workers run (the submitter starts once both have
registered, i.e. are ready to claim) while a submitter queues 500 events/s for 10 s; latency is
``finished_at - created_at`` of each event, both from the server's clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _figures import Figure, percentile

ADMIN_DSN = os.environ.get("PYSTATOR_TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MACHINE = {
    "meta": {"machine_name": "tally"},
    "states": [{"name": "idle", "type": "initial"}, {"name": "counting"}],
    "transitions": [
        {
            "trigger": "tick",
            "source": ["idle", "counting"],
            "dest": "counting",
            "actions": [{"increment": "n"}],
        }
    ],
}
# Each worker process runs the defaults: 4 consumers (the [worker] concurrency default), each
# applying up to 64 events of different entities per transaction (the batch_size default). More
# consumers only add claims skipping each other's locked rows: the CPU, not the round trips, is the
# limit on 2 cores.
CONCURRENCY = "4"
# The workers reach PostgreSQL through its Unix socket when there is one (as on a database host or a
# sidecar): loopback TCP costs ~100 us of kernel time per round trip on this 2-core machine.
SOCKET_DIR = os.environ.get("PYSTATOR_BENCH_PG_SOCKET", "/var/run/postgresql")
SOCKET_QUERY = f"?host={SOCKET_DIR}" if Path(SOCKET_DIR, ".s.PGSQL.5432").exists() else ""


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _fresh_database() -> str:
    name = f"pystator_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return name


def _drop_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _dsn(name: str) -> str:
    if SOCKET_QUERY:
        user = ADMIN_DSN.split("://", 1)[1].split("@", 1)[0]
        return f"postgresql://{user}@/{name}{SOCKET_QUERY}"
    return ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


def _workers(dsn: str, machine_file: Path, count: int) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYSTATOR_DATABASE_URL": dsn, "PYSTATOR_WORKER_POLL_INTERVAL": "0.05"}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "pystator_worker", "--machines", str(machine_file), "-c", CONCURRENCY],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)


async def _bulk_submit(dsn: str, events: int, entities: int) -> None:
    from pystator_worker import EventQueue

    async with EventQueue(dsn, pool_size=8) as queue:
        await queue.backend()  # creates the schema, even with no event to queue
        batch = 400
        for start in range(0, events, batch):
            end = min(events, start + batch)
            await asyncio.gather(
                *(queue.asubmit_event(f"e-{i % entities}", "tick") for i in range(start, end))
            )


async def _fetch(dsn: str, sql: str) -> list[object]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def _unfinished(dsn: str) -> int:
    rows = await _fetch(dsn, "SELECT COUNT(*) AS n FROM worker_events WHERE status <> 'done'")
    return int(rows[0]["n"])  # type: ignore[index]


def throughput(processes: int, *, events: int = 20_000, entities: int = 1_000) -> float:
    name = _fresh_database()
    dsn = _dsn(name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            machine_file = Path(tmp) / "tally.json"
            machine_file.write_text(json.dumps(MACHINE))
            asyncio.run(_bulk_submit(dsn, events, entities))
            workers = _workers(dsn, machine_file, processes)
            try:
                deadline = time.monotonic() + 180
                while asyncio.run(_unfinished(dsn)) and time.monotonic() < deadline:
                    time.sleep(0.25)
            finally:
                _stop(workers)
            row = asyncio.run(
                _fetch(
                    dsn,
                    "SELECT COUNT(*) AS n, EXTRACT(EPOCH FROM MAX(finished_at) - MIN(started_at)) AS span "
                    "FROM worker_events WHERE status = 'done'",
                )
            )[0]
        return float(row["n"]) / float(row["span"])  # type: ignore[index]
    finally:
        _drop_database(name)


async def _steady_submit(dsn: str, rate: int, seconds: float, entities: int) -> None:
    from pystator_worker import EventQueue

    async with EventQueue(dsn, pool_size=4) as queue:
        started = time.perf_counter()
        sent = 0
        pending: set[asyncio.Task[str]] = set()
        total = int(rate * seconds)
        while sent < total:
            due = int((time.perf_counter() - started) * rate)
            while sent < min(due, total):
                task = asyncio.create_task(queue.asubmit_event(f"e-{sent % entities}", "tick"))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(0.002)
        await asyncio.gather(*pending)


def _wait_until_running(dsn: str, count: int, *, timeout: float = 60.0) -> None:
    """Until ``count`` workers have registered (a worker registers once its connections are ready):
    the figure is the latency of running workers, not of processes still importing their modules."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = asyncio.run(_fetch(dsn, "SELECT COUNT(*) AS n FROM worker_nodes WHERE stopped_at IS NULL"))
        if int(rows[0]["n"]) >= count:  # type: ignore[index]
            time.sleep(0.2)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{count} workers did not start within {timeout} s")


def latency(*, rate: int = 500, seconds: float = 10.0, entities: int = 1_000) -> tuple[float, float]:
    name = _fresh_database()
    dsn = _dsn(name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            machine_file = Path(tmp) / "tally.json"
            machine_file.write_text(json.dumps(MACHINE))
            asyncio.run(_bulk_submit(dsn, 0, 1))  # create the schema before the workers start
            workers = _workers(dsn, machine_file, 2)
            try:
                _wait_until_running(dsn, len(workers))
                asyncio.run(_steady_submit(dsn, rate, seconds, entities))
                deadline = time.monotonic() + 60
                while asyncio.run(_unfinished(dsn)) and time.monotonic() < deadline:
                    time.sleep(0.2)
            finally:
                _stop(workers)
            rows = asyncio.run(
                _fetch(
                    dsn,
                    "SELECT EXTRACT(EPOCH FROM finished_at - created_at) * 1000 AS ms FROM worker_events "
                    "WHERE status = 'done'",
                )
            )
        samples = [float(r["ms"]) for r in rows]  # type: ignore[index]
        return percentile(samples, 50), percentile(samples, 99)
    finally:
        _drop_database(name)


def run() -> list[Figure]:
    one = throughput(1)
    two = throughput(2)
    p50, p99 = latency()
    return [
        Figure("worker: sustained events/s, 1 worker process", one, "ev/s"),
        Figure("worker: sustained events/s, 2 worker processes", two, "ev/s", ">= 2000 ev/s"),
        Figure("worker: submit-to-applied latency p50 at 500 ev/s", p50, "ms"),
        Figure("worker: submit-to-applied latency p99 at 500 ev/s", p99, "ms", "<= 50 ms"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())

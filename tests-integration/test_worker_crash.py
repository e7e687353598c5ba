"""Worker chaos on the real PostgreSQL: 3 worker processes, 5,000 events over 100 entities, one worker
SIGKILLed several times while working. Every event is applied exactly once, each entity's events in
submission order, and nothing is left pending or processing at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

asyncpg = pytest.importorskip("asyncpg")

from pystator_worker import EventQueue  # noqa: E402

ENTITIES = 100
EVENTS_PER_ENTITY = 50
WORKERS = 3
KILLS = 5

MACHINE = {
    "meta": {"machine_name": "tally"},
    "states": [{"name": "idle", "type": "initial"}, {"name": "counting"}],
    "transitions": [
        {
            "trigger": "tick",
            "source": ["idle", "counting"],
            "dest": "counting",
            "actions": [{"increment": "n"}, "noop"],
        }
    ],
}

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def database_url(postgres_dsn: str) -> Iterator[str]:
    schema = f"chaos_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgres_dsn}?search_path={schema}"
    finally:
        asyncio.run(admin(f"DROP SCHEMA {schema} CASCADE"))


def _start_worker(url: str, machine_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYSTATOR_DATABASE_URL": url,
        "PYSTATOR_WORKER_LEASE_SECONDS": "2",
        "PYSTATOR_WORKER_POLL_INTERVAL": "0.2",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pystator_worker", "--machines", str(machine_file), "--concurrency", "4"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _submit_all(url: str) -> dict[str, list[str]]:
    """Submit the events entity by entity, interleaved, so that entities proceed in parallel."""
    submitted: dict[str, list[str]] = {f"e-{i:03d}": [] for i in range(ENTITIES)}
    async with EventQueue(url) as queue:
        for round_ in range(EVENTS_PER_ENTITY):
            ids = await asyncio.gather(
                *(queue.asubmit_event(entity, "tick", {"round": round_}) for entity in submitted)
            )
            for entity, event_id in zip(submitted, ids, strict=True):
                submitted[entity].append(event_id)
    return submitted


async def _unfinished(url: str) -> int:
    async with EventQueue(url) as queue:
        metrics = await queue.ametrics()
    return sum(n for status, n in metrics.depth.items() if status in ("pending", "processing"))


async def _final_rows(url: str) -> tuple[list[asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]:
    dsn, _, options = url.partition("?")
    schema = options.split("=", 1)[1]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        history = await conn.fetch(
            "SELECT entity_id, version, idempotency_key, actions_status FROM pystator_transitions "
            "ORDER BY entity_id, version"
        )
        events = await conn.fetch("SELECT event_id, status, outcome FROM worker_events")
        entities = await conn.fetch("SELECT entity_id, version, context FROM pystator_entities")
    finally:
        await conn.close()
    return list(history), list(events), list(entities)


def test_sigkilled_workers_apply_every_event_exactly_once_in_order(database_url: str, tmp_path: Path) -> None:
    machine_file = tmp_path / "tally.json"
    machine_file.write_text(json.dumps(MACHINE))
    log = tmp_path / "workers.log"
    # Create the schema once, so that three starting workers do not all wait on the migration lock.
    asyncio.run(EventQueue(database_url).aclose())
    submitted = asyncio.run(_submit_all(database_url))
    total = ENTITIES * EVENTS_PER_ENTITY

    workers = [_start_worker(database_url, machine_file, log) for _ in range(WORKERS)]
    rng = random.Random(7)
    kills = 0
    deadline = time.monotonic() + 150  # ~30 s on an idle 2-core machine
    try:
        time.sleep(1.5)  # let them start and get busy
        while kills < KILLS and time.monotonic() < deadline:
            victim = rng.randrange(WORKERS)
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = _start_worker(database_url, machine_file, log)
            time.sleep(rng.uniform(0.4, 0.9))
        while asyncio.run(_unfinished(database_url)) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in workers]

    assert kills == KILLS
    assert codes == [0] * WORKERS, log.read_text()[-3000:]
    history, events, entities = asyncio.run(_final_rows(database_url))

    # Nothing pending, nothing stuck processing; every event done and applied.
    assert len(events) == total
    assert {(row["status"], row["outcome"]) for row in events} == {("done", "applied")}
    # Exactly once: one history row per submitted event, none twice, none missing.
    keys = [row["idempotency_key"] for row in history]
    assert len(keys) == total
    assert len(set(keys)) == total
    assert set(keys) == {f"event:{eid}" for ids in submitted.values() for eid in ids}
    # In submission order per entity: versions 1..50 carry the entity's events in the order submitted.
    by_entity: dict[str, list[str]] = {}
    for row in history:
        by_entity.setdefault(row["entity_id"], []).append(row["idempotency_key"])
    for entity, ids in submitted.items():
        assert by_entity[entity] == [f"event:{eid}" for eid in ids], entity
    # The context effect ran once per event, and every action ran (none left pending after the kills).
    assert {json.loads(row["context"])["n"] for row in entities} == {EVENTS_PER_ENTITY}
    assert {row["version"] for row in entities} == {EVENTS_PER_ENTITY}
    assert {row["actions_status"] for row in history} == {"done"}

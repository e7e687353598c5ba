"""REST API throughput: ``POST /api/v1/process`` and entity events, on SQLite and on PostgreSQL.

The server is ``pystator api`` (one uvicorn process, default settings but the database URL) on
loopback; the load generator is an httpx client in this process with ``CONCURRENCY`` requests in
flight. Both share this machine's cores, so the figures are a floor for a dedicated server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from _figures import Figure

CONCURRENCY = 16
SECONDS = 4.0
ENTITIES = 64
TOGGLE = """
meta: {machine_name: toggle}
states:
  - {name: off, type: initial}
  - {name: on}
transitions:
  - {trigger: flip, source: off, dest: on, actions: [{increment: flips}]}
  - {trigger: flip, source: on, dest: off}
"""
POSTGRES_ADMIN = os.environ.get("PYSTATOR_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(database_url: str, cwd: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYSTATOR_")}
    env["PYSTATOR_DATABASE_URL"] = database_url
    env["PYSTATOR_LOGGING_LEVEL"] = "WARNING"
    pystator = Path(sys.executable).with_name("pystator")
    process = subprocess.Popen(
        [str(pystator), "api", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the API server did not start")


async def _load(url: str, requests: list[tuple[str, dict[str, object]]]) -> tuple[float, int]:
    """Requests per second over SECONDS, cycling through ``requests``; and the count of non-2xx."""
    done = errors = 0
    stop = time.perf_counter() + SECONDS
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            nonlocal done, errors
            index = offset
            while time.perf_counter() < stop:
                path, body = requests[index % len(requests)]
                index += CONCURRENCY
                response = await client.post(path, json=body)
                done += 1
                errors += response.status_code >= 300

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return done / elapsed, errors


def _figures_for(label: str, database_url: str) -> list[Figure]:
    with tempfile.TemporaryDirectory() as cwd:
        process, url = _start(database_url, cwd)
        try:
            prefix = uuid.uuid4().hex[:6]
            machine_id = f"toggle_{prefix}"
            source = TOGGLE.replace("machine_name: toggle", f"machine_name: {machine_id}")
            httpx.post(f"{url}/api/v1/machines", json={"source": source}).raise_for_status()
            entities = [{"entity_id": f"{prefix}-{n}"} for n in range(ENTITIES)]
            httpx.post(
                f"{url}/api/v1/entities/bulk/create", json={"machine_id": machine_id, "entities": entities}
            ).raise_for_status()
            process_body = {"machine_id": machine_id, "current_state": "off", "trigger": "flip"}
            rate_process, errors_process = asyncio.run(_load(url, [("/api/v1/process", process_body)]))
            events = [(f"/api/v1/entities/{e['entity_id']}/events", {"trigger": "flip"}) for e in entities]
            rate_events, errors_events = asyncio.run(_load(url, events))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)
    note = f"{CONCURRENCY} in flight, loopback, 1 uvicorn process"
    return [
        Figure(f"api {label}: POST /api/v1/process (stored machine)", rate_process, "req/s",
               note=f"{note}; {errors_process} non-2xx"),
        Figure(f"api {label}: POST .../events ({ENTITIES} entities)", rate_events, "req/s",
               note=f"{note}; {errors_events} non-2xx"),
    ]  # fmt: skip


def _postgres_database() -> tuple[str, str] | None:
    try:
        import asyncpg
    except ImportError:
        return None
    name = f"pystator_bench_api_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError):
        return None
    return name, POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as directory:
        figures += _figures_for("sqlite", f"sqlite:///{Path(directory) / 'bench.db'}")
    database = _postgres_database()
    if database is None:
        figures.append(Figure("api postgresql: skipped (no server)", 0.0, ""))
    else:
        name, url = database
        try:
            figures += _figures_for("postgresql", url)
        finally:
            _drop(name)
    return figures

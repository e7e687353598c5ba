"""Fixtures shared by every package's tests: the real PostgreSQL and Redis servers on 127.0.0.1.

Tests of PostgreSQL/Redis code run against the real servers. Outside CI a missing server skips
those tests; in CI (``CI`` set) it fails them, so that nothing silently stops being tested.
Each test session gets its own PostgreSQL database and each test its own Redis key prefix, so that
several checkouts can run their suites against the same servers at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_HOST = os.environ.get("PYSTATOR_TEST_PG_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("PYSTATOR_TEST_PG_PORT", "5432"))
POSTGRES_ADMIN_DSN = os.environ.get(
    "PYSTATOR_TEST_PG_ADMIN_DSN", f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
)
REDIS_HOST = os.environ.get("PYSTATOR_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("PYSTATOR_TEST_REDIS_PORT", "6379"))


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; in CI this is a failure, not a skip")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """DSN of a fresh database created for this test session and dropped after it."""
    require_server("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    import asyncio

    import asyncpg

    name = f"pystator_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url() -> str:
    require_server("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards (never FLUSHDB)."""
    prefix = f"pystator-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()

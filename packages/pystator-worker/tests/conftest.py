"""Fixtures of the worker tests: a queue on SQLite and on the real PostgreSQL, and small machines."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pystator import StateMachine
from pystator_worker import EventQueue

ORDER: dict[str, Any] = {
    "meta": {"machine_name": "order", "validate_context": True},
    "state_variables": [{"key": "qty", "type": "number"}],
    "states": [
        {"name": "new", "type": "initial"},
        {"name": "open"},
        {"name": "filled"},
        {"name": "closed", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "submit", "source": "new", "dest": "open", "actions": ["notify"]},
        {"trigger": "fill", "source": "open", "dest": "filled", "guards": [{"expr": "qty > 0"}]},
        {"trigger": "bump", "source": ["open", "filled"], "dest": "open"},
        {"trigger": "close", "source": ["open", "filled"], "dest": "closed"},
        {"trigger": "flaky", "source": "open", "dest": "filled", "guards": ["flaky_guard"]},
    ],
}

COUNTER: dict[str, Any] = {
    "meta": {"machine_name": "counter"},
    "states": [{"name": "idle", "type": "initial"}, {"name": "busy"}],
    "transitions": [
        {"trigger": "tick", "source": ["idle", "busy"], "dest": "busy", "actions": [{"increment": "n"}]},
    ],
}


def order_machine(calls: list[str] | None = None, flaky: list[bool] | None = None) -> StateMachine:
    machine = StateMachine.from_dict(ORDER)
    seen = calls if calls is not None else []
    script = flaky if flaky is not None else []

    @machine.action("notify")
    def notify(ctx: dict[str, Any]) -> None:
        seen.append(str(ctx.get("_idempotency_key")))

    @machine.guard("flaky_guard")
    def flaky_guard(ctx: dict[str, Any]) -> bool:
        if script and script.pop(0):
            raise ConnectionError("downstream service unavailable")
        return True

    return machine


def counter_machine() -> StateMachine:
    return StateMachine.from_dict(COUNTER)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    # A fresh schema per test: the session database is shared by every test of the session.
    import asyncio

    import asyncpg

    schema = f"w_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{dsn}?search_path={schema}"
    finally:
        asyncio.run(admin(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
async def queue(database_url: str) -> AsyncIterator[EventQueue]:
    q = EventQueue(database_url)
    try:
        yield q
    finally:
        await q.aclose()

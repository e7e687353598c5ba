"""``pystator db status|upgrade``: schema migrations on SQLite and PostgreSQL through the real
command; progress lines, ``--json``, ``--check``, and one-line errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def _status(pystator: Run, url: str) -> dict[str, dict[str, object]]:
    done = pystator("db", "status", "--url", url, "--json")
    assert done.returncode == 0, done.stderr
    return {c["component"]: c for c in json.loads(done.stdout)["components"]}


def _upgrade_cycle(pystator: Run, url: str) -> None:
    before = _status(pystator, url)
    assert before["stores"]["current"] == 0
    assert before["stores"]["pending"]
    assert pystator("db", "status", "--url", url, "--check").returncode == 1

    done = pystator("db", "upgrade", "--url", url)
    assert done.returncode == 0, done.stderr
    assert "stores: applied 1 (" in done.stderr
    assert "migrations applied; the schema is up to date" in done.stderr

    after = _status(pystator, url)
    assert all(c["up_to_date"] for c in after.values())
    assert after["stores"]["current"] == after["stores"]["latest"]
    assert pystator("db", "status", "--url", url, "--check").returncode == 0

    again = pystator("db", "upgrade", "--url", url, "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["applied"] == []


def test_sqlite_upgrade_and_status(pystator: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    table = pystator("db", "status", "--url", url)
    assert table.returncode == 0
    row = next(line for line in table.stdout.splitlines() if line.startswith("stores"))
    assert row.split()[1] == "0" and row.endswith("pending")
    _upgrade_cycle(pystator, url)


def test_the_settings_database_is_the_default(pystator: Run, tmp_path: Path) -> None:
    done = pystator("db", "upgrade", cwd=tmp_path, env={"PYSTATOR_DATABASE_URL": "sqlite:///./here.db"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "here.db").exists()


@pytest.fixture
def fresh_postgres(postgres_dsn: str) -> Iterator[str]:
    import asyncpg

    name = f"pystator_cli_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.postgres
def test_postgres_upgrade_and_status(pystator: Run, fresh_postgres: str) -> None:
    _upgrade_cycle(pystator, fresh_postgres)


def test_unreachable_database_is_one_line_without_the_password(
    pystator: Run, one_line: Callable[[str], str]
) -> None:
    done = pystator("db", "status", "--url", "postgresql://app:secret@127.0.0.1:1/app")
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("pystator db status: postgresql://app:***@127.0.0.1:1/app: ")
    assert "secret" not in line


def test_a_url_without_migrations_is_a_usage_error(pystator: Run, one_line: Callable[[str], str]) -> None:
    done = pystator("db", "upgrade", "--url", "redis://127.0.0.1:6379/0")
    assert done.returncode == 2
    assert "redis:// needs none" in one_line(done.stderr)

"""Store URLs, ``open_store``, the forwarded names in ``pystator.stores``, and the ImportErrors that
name the extra to install when a driver is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pystator.stores
from pystator.stores import InMemoryStateStore, TransitionCommit
from pystator_stores import DEFAULT_SQLITE_PATH, open_store, parse_store_url
from pystator_stores.postgres import PostgresStateStore
from pystator_stores.redis import RedisStateStore
from pystator_stores.sqlite import SQLiteStateStore


def test_sqlite_urls_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_store_url("sqlite://").target == str(tmp_path / DEFAULT_SQLITE_PATH)
    assert parse_store_url("sqlite:///").target == str(tmp_path / DEFAULT_SQLITE_PATH)
    assert parse_store_url("sqlite:///data/app.db").target == str(tmp_path / "data" / "app.db")
    # the settings default, [database] url
    assert parse_store_url("sqlite:///./pystator.db").target == str(tmp_path / DEFAULT_SQLITE_PATH)
    assert parse_store_url("sqlite:////var/lib/app.db").target == "/var/lib/app.db"


@pytest.mark.parametrize(
    ("url", "backend", "target"),
    [
        ("memory://", "memory", ""),
        ("postgresql://u:p@db:5432/app", "postgresql", "postgresql://u:p@db:5432/app"),
        ("postgres://db/app", "postgresql", "postgresql://db/app"),
        ("postgresql+asyncpg://db/app", "postgresql", "postgresql://db/app"),
        ("redis://127.0.0.1:6379/0", "redis", "redis://127.0.0.1:6379/0"),
        ("rediss://cache:6380", "redis", "rediss://cache:6380"),
    ],
)
def test_urls_name_their_backend(url: str, backend: str, target: str) -> None:
    parsed = parse_store_url(url)
    assert (parsed.backend, parsed.target) == (backend, target)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("pystator.db", "expected 'memory://'"),
        ("mysql://db/app", "unknown scheme 'mysql'"),
        ("sqlite:///:memory:", "use memory:// instead"),
    ],
)
def test_bad_urls_are_clear_errors(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_store_url(url)


def test_open_store_memory_and_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert isinstance(open_store("memory://"), InMemoryStateStore)
    store = open_store("sqlite://")
    try:
        assert isinstance(store, SQLiteStateStore)
        store.commit_transition(TransitionCommit("e1", "m", None, None, "a", "go"))
        assert (tmp_path / DEFAULT_SQLITE_PATH).exists()
    finally:
        store.close()
    with SQLiteStateStore() as default:  # no argument: the same default file
        assert default.get_state("e1") == "a"


@pytest.mark.postgres
def test_open_store_postgres(postgres_dsn: str) -> None:
    store = open_store(postgres_dsn.replace("postgresql://", "postgres://"), max_size=2)
    try:
        assert isinstance(store, PostgresStateStore)
        store.set_state("via-open-store", "a")
        assert store.get_state("via-open-store") == "a"
    finally:
        store.close()


@pytest.mark.redis
def test_open_store_redis_takes_options(redis_url: str, redis_prefix: str) -> None:
    store = open_store(redis_url, prefix=redis_prefix)
    try:
        assert isinstance(store, RedisStateStore)
        assert store.prefix == redis_prefix
        store.set_state("via-open-store", "a")
        assert store.get_state("via-open-store") == "a"
    finally:
        store.close()


def test_pystator_stores_forwards_the_backend_classes() -> None:
    assert pystator.stores.SQLiteStateStore is SQLiteStateStore
    assert pystator.stores.PostgresStateStore is PostgresStateStore
    assert pystator.stores.RedisStateStore is RedisStateStore


def _run(code: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return completed.stdout


@pytest.mark.parametrize(
    ("driver", "statement", "extra"),
    [
        ("asyncpg", "import pystator_stores.postgres", "pystator-stores[postgres]"),
        ("asyncpg", "from pystator.stores import PostgresStateStore", "pystator-stores[postgres]"),
        ("asyncpg", "pystator_stores.open_store('postgresql://db/app')", "pystator-stores[postgres]"),
        ("redis", "import pystator_stores.redis", "pystator-stores[redis]"),
        ("redis", "pystator_stores.open_store('redis://cache')", "pystator-stores[redis]"),
    ],
)
def test_a_missing_driver_names_the_extra(driver: str, statement: str, extra: str) -> None:
    out = _run(
        "import sys\n"
        f"sys.modules[{driver!r}] = None\n"
        "import pystator_stores\n"  # the package itself imports without any driver
        "try:\n"
        f"    {statement}\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    assert out.startswith("IMPORT-ERROR")
    assert extra in out


def test_importing_pystator_stores_loads_no_driver() -> None:
    out = _run("import sys, pystator_stores, pystator_stores.migrations\nprint(sorted(sys.modules))")
    assert "asyncpg" not in out
    assert "'redis'" not in out

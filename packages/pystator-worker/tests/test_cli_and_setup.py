"""``pystator worker`` (the Typer app), schema migrations, settings and machine loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pystator.errors import ConfigurationError
from pystator_stores.migrations import status, upgrade
from pystator_worker import EventQueue, EventStatus, get_event, load_machines, submit_event
from pystator_worker.cli import app

from .conftest import COUNTER, ORDER, counter_machine

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def machine_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "machines"
    folder.mkdir()
    (folder / "counter.json").write_text(json.dumps(COUNTER))
    (folder / "order.json").write_text(json.dumps(ORDER))
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_submit_run_status_and_metrics(sqlite_url: str, machine_dir: Path) -> None:
    code, out = invoke("submit", "c-1", "tick", "--machine", "counter", "-d", sqlite_url)
    assert code == 0, out
    event_id = out.strip()
    code, out = invoke("submit", "c-1", "tick", "--machine", "counter", "--payload", "[1]", "-d", sqlite_url)
    assert code != 0 and "JSON object" in out
    code, out = invoke("--machines", str(machine_dir), "--drain", "-d", sqlite_url, "-c", "2")
    assert code == 0, out
    assert "applied 1" in out
    code, out = invoke("status", event_id, "-d", sqlite_url)
    assert code == 0 and json.loads(out)["status"] == "done"
    code, out = invoke("status", "nope", "-d", sqlite_url)
    assert code == 1
    code, out = invoke("metrics", "-d", sqlite_url)
    assert code == 0 and json.loads(out)["depth"] == {"done": 1}
    code, out = invoke("purge", "--older-than", "0", "-d", sqlite_url)
    assert code == 0 and "deleted 1" in out


def test_dead_letter_commands(sqlite_url: str, machine_dir: Path) -> None:
    code, out = invoke("submit", "c-1", "explode", "--machine", "counter", "-d", sqlite_url)
    event_id = out.strip()
    invoke("--machines", str(machine_dir), "--drain", "-d", sqlite_url)
    code, out = invoke("dlq", "list", "-d", sqlite_url)
    assert code == 0 and event_id in out and "undefined_trigger" in out
    code, out = invoke("dlq", "inspect", event_id, "-d", sqlite_url)
    assert code == 0 and json.loads(out)["reason"] == "failed"
    code, out = invoke("dlq", "replay", event_id, "-d", sqlite_url)
    assert code == 0
    assert invoke("dlq", "replay", event_id, "-d", sqlite_url)[0] == 1
    invoke("--machines", str(machine_dir), "--drain", "-d", sqlite_url)
    assert invoke("dlq", "discard", event_id, "-d", sqlite_url)[0] == 0
    assert invoke("dlq", "discard", event_id, "-d", sqlite_url)[0] == 1
    assert invoke("dlq", "inspect", event_id, "-d", sqlite_url)[0] == 1


def test_the_worker_needs_machines_and_a_sql_database(sqlite_url: str) -> None:
    code, out = invoke()
    assert code == 0 and "dlq" in out and "--machines" in out  # no arguments: the help
    code, out = invoke("-d", sqlite_url)
    assert code != 0 and "--machines" in out
    code, out = invoke("status", "x", "-d", "redis://localhost:6379/0")
    assert code != 0 and "sqlite" in out


def test_migrations_run_through_the_versioned_runner(database_url: str) -> None:
    applied = upgrade(database_url)
    assert {(m.component, m.version) for m in applied} >= {("stores", 1), ("worker", 1)}
    assert upgrade(database_url) == []  # idempotent
    states = {s.component: s for s in status(database_url)}
    assert states["worker"].up_to_date and states["worker"].current == 1


def test_module_level_functions_use_the_settings_url(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYSTATOR_DATABASE_URL", sqlite_url)
    event_id = submit_event("c-1", "tick", {"a": 1}, machine="counter", idempotency_key="k")
    assert submit_event("c-1", "tick", machine="counter", idempotency_key="k") == event_id
    info = get_event(event_id)
    assert info is not None and info.status is EventStatus.PENDING and dict(info.payload) == {"a": 1}
    with EventQueue(sqlite_url) as queue:
        assert queue.get_event(event_id) == info


def test_machines_load_from_objects_files_and_directories(machine_dir: Path, tmp_path: Path) -> None:
    assert set(load_machines(machine_dir)) == {"counter", "order"}
    assert list(load_machines(machine_dir / "order.json")) == ["order"]
    assert list(load_machines(counter_machine())) == ["counter"]
    with pytest.raises(ValueError, match="empty"):
        load_machines({})
    with pytest.raises(ValueError, match="neither"):
        load_machines(tmp_path / "missing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.json").write_text(json.dumps({"states": [], "transitions": []}))
    with pytest.raises(ConfigurationError, match=r"bad\.json"):
        load_machines(broken)

"""Fixtures of the REST API tests: an app on SQLite (a file per test) or on the session's
PostgreSQL database (ids made unique per test, since the database is shared)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pystator_api import create_app
from pystator_contracts.settings import Settings

ORDER_YAML = """
meta:
  machine_name: "{name}"
  strict_mode: true
states:
  - name: pending
    type: initial
  - name: open
    on_enter:
      - timestamp: opened_at
  - name: filled
    type: terminal
  - name: cancelled
    type: terminal
transitions:
  - trigger: exchange_ack
    source: pending
    dest: open
    actions:
      - increment: acks
      - name: log
        params: {{message: acknowledged}}
  - trigger: fill
    source: open
    dest: filled
    guards:
      - expr: "fill_qty >= order_qty"
  - trigger: cancel
    source: [pending, open]
    dest: cancelled
"""

MakeClient = Callable[..., TestClient]


def _order_yaml(name: str) -> str:
    return ORDER_YAML.format(name=name)


@pytest.fixture
def order_yaml() -> Callable[[str], str]:
    """The order machine's YAML with ``meta.machine_name`` set to the given name."""
    return _order_yaml


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    dsn: str = request.getfixturevalue("postgres_dsn")
    return dsn


@pytest.fixture
def uid() -> str:
    """A prefix that keeps one test's machines and entities apart from the others'."""
    return "t" + uuid.uuid4().hex[:10]


def settings_for(url: str, **api: Any) -> Settings:
    return Settings.model_validate({"database": {"url": url}, "api": api})


@pytest.fixture
def make_client(database_url: str) -> Iterator[MakeClient]:
    opened: list[TestClient] = []

    def make(**api: Any) -> TestClient:
        client = TestClient(create_app(settings_for(database_url, **api)), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


@pytest.fixture
def order_machine(client: TestClient, uid: str) -> str:
    """A stored order machine; returns its id."""
    response = client.post("/api/v1/machines", json={"source": _order_yaml(uid)})
    assert response.status_code == 201, response.text
    return uid


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text
    return body


@pytest.fixture
def assert_error() -> Callable[[Any, int, str], dict[str, Any]]:
    """Checks that a response is the common error body with the given status and code."""
    return _assert_error

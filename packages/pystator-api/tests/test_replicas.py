"""Two app instances on one PostgreSQL database behave as replicas: each sees the other's machines
and entities, and concurrent events on one entity all commit, once each, in a gapless history."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from pystator_api import create_app
from pystator_contracts.settings import Settings

TOGGLE = """
meta: {{machine_name: {name}}}
states:
  - {{name: "off", type: initial}}
  - {{name: "on"}}
transitions:
  - {{trigger: flip, source: "off", dest: "on", actions: [{{increment: flips}}]}}
  - {{trigger: flip, source: "on", dest: "off", actions: [{{increment: flips}}]}}
"""
EVENTS_PER_REPLICA = 15


@pytest.mark.postgres
def test_two_replicas_share_one_database(postgres_dsn: str, uid: str) -> None:
    settings = Settings.model_validate({"database": {"url": postgres_dsn}})
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        assert a.post("/api/v1/machines", json={"source": TOGGLE.format(name=uid)}).status_code == 201
        assert b.get(f"/api/v1/machines/{uid}").json()["version"] == 1
        assert b.post(f"/api/v1/entities/{uid}-1/create", json={"machine_id": uid}).status_code == 201
        errors: list[str] = []

        def send(client: TestClient, tag: str) -> None:
            for n in range(EVENTS_PER_REPLICA):
                body = {"trigger": "flip", "idempotency_key": f"{tag}-{n}"}
                result = client.post(f"/api/v1/entities/{uid}-1/events", json=body).json()
                if not result.get("success"):
                    errors.append(str(result))

        threads = [threading.Thread(target=send, args=(c, t)) for c, t in ((a, "a"), (b, "b"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        total = 2 * EVENTS_PER_REPLICA
        state = a.get(f"/api/v1/entities/{uid}-1/state").json()
        assert (state["version"], state["context"]["flips"]) == (total + 1, total)
        assert state["state"] == ("off" if total % 2 == 0 else "on")
        history = b.get(f"/api/v1/entities/{uid}-1/history", params={"limit": 1000}).json()["items"]
        assert [r["version"] for r in history] == list(range(1, total + 2))
        keys = {r["idempotency_key"] for r in history[1:]}
        assert keys == {f"{t}-{n}" for t in "ab" for n in range(EVENTS_PER_REPLICA)}
        v2 = TOGGLE.format(name=uid) + '  - {trigger: reset, source: "on", dest: "off"}\n'
        assert b.put(f"/api/v1/machines/{uid}", json={"source": v2, "expected_version": 1}).status_code == 200
        assert "reset" in a.get(f"/api/v1/machines/{uid}").json()["triggers"]

"""Which scheduler the API uses (settings), and that entity events arm timers with it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pystator.scheduler import AsyncioScheduler
from pystator_api import create_app
from pystator_api.schedulers import scheduler_factory
from pystator_contracts.settings import Settings

TIMED = """
meta: {{machine_name: {name}}}
states:
  - {{name: idle, type: initial}}
  - {{name: waiting, timeout: {{seconds: 3600, destination: expired}}}}
  - {{name: expired, type: terminal}}
transitions:
  - {{trigger: start, source: idle, dest: waiting}}
  - {{trigger: stop, source: waiting, dest: idle}}
"""


def test_scheduler_choice() -> None:
    assert scheduler_factory(Settings()) is None
    assert (
        scheduler_factory(Settings.model_validate({"scheduler": {"backend": "asyncio"}})) is AsyncioScheduler
    )
    redis = Settings.model_validate({"redis": {"url": "redis://127.0.0.1:6379/0"}})
    assert scheduler_factory(redis) is not None
    with pytest.raises(ValueError, match="needs \\[redis\\] url"):
        scheduler_factory(Settings.model_validate({"scheduler": {"backend": "redis"}}))


def _arms_and_cancels(client: TestClient, uid: str) -> None:
    assert client.post("/api/v1/machines", json={"source": TIMED.format(name=uid)}).status_code == 201
    client.post(f"/api/v1/entities/{uid}-1/create", json={"machine_id": uid})
    scheduler: Any = client.app.state.runtime.scheduler  # type: ignore[attr-defined]
    assert client.portal.call(scheduler.get_pending_tasks, f"{uid}-1") == []  # type: ignore[union-attr]
    result = client.post(f"/api/v1/entities/{uid}-1/events", json={"trigger": "start"}).json()
    assert [t["kind"] for t in result["timers_to_start"]] == ["timeout"]
    pending = client.portal.call(scheduler.get_pending_tasks, f"{uid}-1")  # type: ignore[union-attr]
    assert len(pending) == 1
    client.post(f"/api/v1/entities/{uid}-1/events", json={"trigger": "stop"})
    assert client.portal.call(scheduler.get_pending_tasks, f"{uid}-1") == []  # type: ignore[union-attr]


def test_asyncio_timers(database_url: str, uid: str) -> None:
    settings = Settings.model_validate(
        {"database": {"url": database_url}, "scheduler": {"backend": "asyncio"}}
    )
    with TestClient(create_app(settings)) as client:
        _arms_and_cancels(client, uid)
        assert client.get("/api/v1/settings").json()["timers"] == "AsyncioScheduler"


@pytest.mark.redis
def test_redis_timers(database_url: str, uid: str, redis_url: str, redis_prefix: str) -> None:
    settings = Settings.model_validate(
        {"database": {"url": database_url}, "redis": {"url": redis_url, "key_prefix": redis_prefix}}
    )
    with TestClient(create_app(settings)) as client:
        _arms_and_cancels(client, uid)
        assert client.get("/api/v1/settings").json()["timers"] == "RedisScheduler"

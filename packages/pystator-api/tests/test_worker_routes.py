"""apply-data goes through the worker queue; dead letters can be listed, read, replayed, discarded."""

from __future__ import annotations

from typing import Any

from pystator.config import load_yaml
from pystator.machine import StateMachine
from pystator_worker import EventQueue, Worker

APPLY_YAML = """
meta: {{machine_name: {name}}}
states:
  - {{name: waiting, type: initial}}
  - {{name: ready}}
transitions:
  - {{trigger: apply_data, source: waiting, dest: ready}}
"""


def _drain(database_url: str, machine: StateMachine) -> None:
    queue = EventQueue(database_url)
    try:
        Worker({machine.name: machine}, queue=queue, max_attempts=1).run_sync(
            drain=True, handle_signals=False
        )
    finally:
        queue.close()


def test_apply_data_is_applied_by_a_worker(client: Any, database_url: str, uid: str) -> None:
    source = APPLY_YAML.format(name=uid)
    assert client.post("/api/v1/machines", json={"source": source}).status_code == 201
    client.post(f"/api/v1/entities/{uid}-1/create", json={"machine_id": uid})
    queued = client.post(
        f"/api/v1/entities/{uid}-1/apply-data", json={"data": {"score": 7}, "idempotency_key": "d1"}
    )
    assert queued.status_code == 202
    event = queued.json()
    assert (event["trigger"], event["payload"], event["status"]) == ("apply_data", {"score": 7}, "pending")
    again = client.post(
        f"/api/v1/entities/{uid}-1/apply-data", json={"data": {"score": 7}, "idempotency_key": "d1"}
    )
    assert again.json()["event_id"] == event["event_id"]
    _drain(database_url, StateMachine.from_dict(load_yaml(source)))
    state = client.get(f"/api/v1/entities/{uid}-1/state").json()
    assert (state["state"], state["context"]["score"]) == ("ready", 7)
    done = client.get(f"/api/v1/worker/events/{event['event_id']}").json()
    assert done["status"] == "done"


def test_apply_data_unhappy_paths(client: Any, order_machine: str, uid: str, assert_error: Any) -> None:
    assert_error(
        client.post(f"/api/v1/entities/{uid}/apply-data", json={"data": {"a": 1}}), 404, "ENTITY_NOT_FOUND"
    )
    client.post(f"/api/v1/entities/{uid}/create", json={"machine_id": order_machine})
    assert_error(
        client.post(f"/api/v1/entities/{uid}/apply-data", json={"data": {}}), 422, "VALIDATION_FAILED"
    )
    assert_error(client.get("/api/v1/worker/events/no-such-event"), 404, "NOT_FOUND")


def test_dead_letters(
    client: Any, database_url: str, order_machine: str, order_yaml: Any, assert_error: Any
) -> None:
    entity = f"{order_machine}-dl"
    client.post(f"/api/v1/entities/{entity}/create", json={"machine_id": order_machine})
    queued = client.post(f"/api/v1/entities/{entity}/apply-data", json={"data": {"x": 1}}).json()
    machine = StateMachine.from_dict(load_yaml(order_yaml(order_machine)))
    _drain(database_url, machine)  # the order machine has no apply_data transition: a permanent failure
    letters = client.get("/api/v1/worker/dead-letters", params={"limit": 1000}).json()
    mine = [d for d in letters if d["event"]["event_id"] == queued["event_id"]]
    assert len(mine) == 1 and mine[0]["reason"] == "failed" and mine[0]["error"]
    one = client.get(f"/api/v1/worker/dead-letters/{queued['event_id']}").json()
    assert one["event"]["entity_id"] == entity
    replayed = client.post(f"/api/v1/worker/dead-letters/{queued['event_id']}/replay").json()
    assert replayed["status"] == "pending"
    assert_error(client.get(f"/api/v1/worker/dead-letters/{queued['event_id']}"), 404, "NOT_FOUND")
    _drain(database_url, machine)
    assert client.delete(f"/api/v1/worker/dead-letters/{queued['event_id']}").status_code == 204
    assert_error(client.delete(f"/api/v1/worker/dead-letters/{queued['event_id']}"), 404, "NOT_FOUND")
    assert_error(client.post(f"/api/v1/worker/dead-letters/{queued['event_id']}/replay"), 404, "NOT_FOUND")

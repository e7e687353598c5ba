"""Entities: create, events through the orchestrator (action results, idempotency), state, history,
timeline, triggers, dry-run, metrics, delete, and their unhappy paths."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def entity(client: Any, order_machine: str) -> str:
    entity_id = f"{order_machine}-e1"
    response = client.post(
        f"/api/v1/entities/{entity_id}/create",
        json={"machine_id": order_machine, "context": {"order_qty": 10}},
    )
    assert response.status_code == 201, response.text
    return entity_id


def test_create(client: Any, order_machine: str, entity: str) -> None:
    state = client.get(f"/api/v1/entities/{entity}/state").json()
    assert state["machine_id"] == order_machine
    assert (state["state"], state["version"], state["context"]) == ("pending", 1, {"order_qty": 10})
    assert state["active_states"] == ["pending"] and state["is_terminal"] is False
    assert client.get(f"/api/v1/entities/{entity}").json() == state


def test_create_at_a_given_state(client: Any, order_machine: str, uid: str, assert_error: Any) -> None:
    created = client.post(
        f"/api/v1/entities/{uid}-x/create", json={"machine_id": order_machine, "initial_state": "open"}
    )
    assert created.json()["state"] == "open"
    bad = client.post(
        f"/api/v1/entities/{uid}-y/create", json={"machine_id": order_machine, "initial_state": "nowhere"}
    )
    assert assert_error(bad, 422, "UNDEFINED_STATE")["path"] == "initial_state"


def test_create_twice_is_409_and_unknown_machine_404(
    client: Any, order_machine: str, entity: str, assert_error: Any
) -> None:
    assert_error(
        client.post(f"/api/v1/entities/{entity}/create", json={"machine_id": order_machine}), 409, "CONFLICT"
    )
    assert_error(
        client.post(f"/api/v1/entities/{entity}-2/create", json={"machine_id": "no-such"}), 404, "NOT_FOUND"
    )


def test_event_runs_actions_and_persists(client: Any, entity: str) -> None:
    result = client.post(
        f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack", "payload": {"venue": "x"}}
    ).json()
    assert result["success"] is True
    assert (result["source_state"], result["target_state"], result["version"]) == ("pending", "open", 2)
    assert [a["action_name"] for a in result["action_results"]] == ["increment", "log", "timestamp"]
    assert all(a["success"] for a in result["action_results"])
    state = client.get(f"/api/v1/entities/{entity}/state").json()
    assert state["state"] == "open" and state["version"] == 2
    assert state["context"]["acks"] == 1 and state["context"]["venue"] == "x"
    assert "opened_at" in state["context"]


def test_guard_rejection_changes_nothing(client: Any, entity: str) -> None:
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    result = client.post(
        f"/api/v1/entities/{entity}/events", json={"trigger": "fill", "payload": {"fill_qty": 3}}
    ).json()
    assert result["success"] is False
    assert result["error"]["code"] == "GUARD_REJECTED"
    assert client.get(f"/api/v1/entities/{entity}/state").json()["version"] == 2
    filled = client.post(
        f"/api/v1/entities/{entity}/events", json={"trigger": "fill", "payload": {"fill_qty": 10}}
    ).json()
    assert filled["target_state"] == "filled"
    assert client.get(f"/api/v1/entities/{entity}/state").json()["is_terminal"] is True


def test_idempotency_key_applies_once(client: Any, entity: str) -> None:
    first = client.post(
        f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack", "idempotency_key": "k1"}
    ).json()
    again = client.post(
        f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack", "idempotency_key": "k1"}
    ).json()
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["version"] == first["version"] == 2
    assert client.get(f"/api/v1/entities/{entity}/state").json()["context"]["acks"] == 1


def test_event_for_unknown_entity_is_404(client: Any, uid: str, assert_error: Any) -> None:
    assert_error(
        client.post(f"/api/v1/entities/{uid}/events", json={"trigger": "go"}), 404, "ENTITY_NOT_FOUND"
    )


def test_history_and_paging(client: Any, entity: str) -> None:
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "cancel"})
    page = client.get(f"/api/v1/entities/{entity}/history", params={"limit": 2}).json()
    assert [(r["version"], r["trigger"]) for r in page["items"]] == [(1, "@create"), (2, "exchange_ack")]
    assert page["next_after_version"] == 2
    rest = client.get(f"/api/v1/entities/{entity}/history", params={"after_version": 2}).json()
    assert [(r["from_state"], r["to_state"]) for r in rest["items"]] == [("open", "cancelled")]
    assert rest["next_after_version"] is None
    ack = page["items"][1]
    assert [a["name"] for a in ack["actions"]] == ["increment", "log", "timestamp"]
    assert ack["actions_status"] == "done"
    assert ack["context_changes"]["acks"] == {"after": 1}


def test_timeline(client: Any, entity: str) -> None:
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    entries = client.get(f"/api/v1/entities/{entity}/timeline").json()["entries"]
    assert [e["state"] for e in entries] == ["pending", "open"]
    assert entries[0]["duration_seconds"] >= 0 and entries[0]["left_at"] == entries[1]["entered_at"]
    assert entries[1]["left_at"] is None and entries[1]["duration_seconds"] is None


def test_triggers(client: Any, entity: str) -> None:
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    triggers = client.get(f"/api/v1/entities/{entity}/triggers").json()
    assert triggers["state"] == "open"
    assert set(triggers["defined"]) == {"fill", "cancel"}
    assert triggers["available"] == ["cancel"]  # fill's guard needs fill_qty >= order_qty


def test_dry_run_does_not_persist(client: Any, entity: str) -> None:
    result = client.post(f"/api/v1/entities/{entity}/dry-run", json={"trigger": "exchange_ack"}).json()
    assert result["success"] is True and result["target_state"] == "open"
    assert [a["name"] for a in result["actions"]] == ["increment", "log", "timestamp"]
    state = client.get(f"/api/v1/entities/{entity}/state").json()
    assert (state["state"], state["version"]) == ("pending", 1)


def test_metrics(client: Any, entity: str) -> None:
    client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    metrics = client.get(f"/api/v1/entities/{entity}/metrics").json()
    assert metrics["transitions"] == 2 and metrics["version"] == 2
    assert metrics["triggers"] == {"@create": 1, "exchange_ack": 1}
    assert metrics["states_visited"] == {"pending": 1, "open": 1}
    assert metrics["actions_failed"] == 0 and metrics["actions_pending"] == 0
    assert metrics["seconds_in_state"] >= 0


def test_delete(client: Any, entity: str, assert_error: Any) -> None:
    assert client.delete(f"/api/v1/entities/{entity}").status_code == 204
    assert_error(client.get(f"/api/v1/entities/{entity}/state"), 404, "ENTITY_NOT_FOUND")
    assert_error(client.get(f"/api/v1/entities/{entity}/history"), 404, "ENTITY_NOT_FOUND")
    assert_error(client.delete(f"/api/v1/entities/{entity}"), 404, "ENTITY_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "/state", None),
        ("GET", "/history", None),
        ("GET", "/timeline", None),
        ("GET", "/triggers", None),
        ("GET", "/metrics", None),
        ("POST", "/dry-run", {"trigger": "go"}),
    ],
)
def test_unknown_entity_is_404_everywhere(
    client: Any, uid: str, assert_error: Any, *, method: str, suffix: str, body: Any
) -> None:
    assert_error(
        client.request(method, f"/api/v1/entities/{uid}{suffix}", json=body), 404, "ENTITY_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("/events", {}),
        ("/events", {"trigger": "x", "extra": 1}),
        ("/events", {"trigger": "x", "idempotency_key": ""}),
        ("/create", {}),
        ("/create", {"machine_id": "bad id"}),
        ("/dry-run", {"payload": {}}),
    ],
)
def test_invalid_bodies_are_422(client: Any, uid: str, assert_error: Any, suffix: str, body: Any) -> None:
    assert_error(client.post(f"/api/v1/entities/{uid}{suffix}", json=body), 422, "VALIDATION_FAILED")


def test_entities_follow_the_latest_machine_version(
    client: Any, order_machine: str, entity: str, order_yaml: Any
) -> None:
    v2 = order_yaml(order_machine).replace(
        "  - trigger: cancel\n",
        "  - trigger: abort\n    source: pending\n    dest: cancelled\n  - trigger: cancel\n",
    )
    assert client.put(f"/api/v1/machines/{order_machine}", json={"source": v2}).status_code == 200
    result = client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "abort"}).json()
    assert result["success"] is True and result["target_state"] == "cancelled"

"""Stored machines with versions: create, list, read, new versions, conflicts, delete, compatibility."""

from __future__ import annotations

from typing import Any

import pytest

from pystator_stores.machines import open_machine_store


def test_create_read_list(client: Any, order_yaml: Any, uid: str) -> None:
    created = client.post("/api/v1/machines", json={"source": order_yaml(uid), "description": "orders"})
    assert created.status_code == 201
    body = created.json()
    assert (body["machine_id"], body["version"], body["versions"]) == (uid, 1, [1])
    assert body["initial_state"] == "pending"
    assert set(body["triggers"]) == {"exchange_ack", "fill", "cancel"}
    assert body["format"] == "yaml" and body["source"] == order_yaml(uid)
    assert body["config"]["meta"]["machine_name"] == uid
    got = client.get(f"/api/v1/machines/{uid}").json()
    assert got == body
    listed = client.get("/api/v1/machines").json()
    assert uid in [m["machine_id"] for m in listed]


def test_create_from_object_with_explicit_id(client: Any, uid: str) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
    }
    body = client.post("/api/v1/machines", json={"machine": machine, "machine_id": uid}).json()
    assert body["machine_id"] == uid
    assert body["format"] == "json"
    assert body["config"]["meta"]["machine_name"] == uid


def test_create_needs_an_id(client: Any, assert_error: Any) -> None:
    machine = {"states": [{"name": "a", "type": "initial"}], "transitions": []}
    body = assert_error(client.post("/api/v1/machines", json={"machine": machine}), 422, "VALIDATION_FAILED")
    assert body["path"] == "machine_id"


def test_name_and_id_must_agree(client: Any, order_yaml: Any, uid: str, assert_error: Any) -> None:
    response = client.post("/api/v1/machines", json={"source": order_yaml(uid), "machine_id": uid + "x"})
    body = assert_error(response, 422, "CONFIG")
    assert "differs from the machine id" in body["errors"][0]


def test_create_twice_is_a_conflict(
    client: Any, order_machine: str, order_yaml: Any, assert_error: Any
) -> None:
    response = client.post("/api/v1/machines", json={"source": order_yaml(order_machine)})
    body = assert_error(response, 409, "STALE_VERSION")
    assert body["details"]["actual_version"] == 1


def test_invalid_definition_is_422_with_every_error(client: Any, uid: str, assert_error: Any) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}],
        "transitions": [
            {"trigger": "go", "source": "a", "dest": "x"},
            {"trigger": "y", "source": "q", "dest": "a"},
        ],
    }
    body = assert_error(
        client.post("/api/v1/machines", json={"machine": machine, "machine_id": uid}), 422, "CONFIG"
    )
    assert len(body["errors"]) >= 2
    assert body["path"] == "machine"


def test_versions_and_optimistic_locking(
    client: Any, order_machine: str, order_yaml: Any, assert_error: Any
) -> None:
    v2_source = order_yaml(order_machine).replace(
        "  - name: cancelled\n    type: terminal\n",
        "  - name: cancelled\n    type: terminal\n  - name: archived\n    type: terminal\n",
    )
    v2 = client.put(f"/api/v1/machines/{order_machine}", json={"source": v2_source, "expected_version": 1})
    assert v2.status_code == 200
    assert (v2.json()["version"], v2.json()["versions"]) == (2, [1, 2])
    stale = client.put(f"/api/v1/machines/{order_machine}", json={"source": v2_source, "expected_version": 1})
    assert assert_error(stale, 409, "STALE_VERSION")["details"]["actual_version"] == 2
    unchecked = client.put(f"/api/v1/machines/{order_machine}", json={"source": v2_source})
    assert unchecked.json()["version"] == 3
    first = client.get(f"/api/v1/machines/{order_machine}", params={"version": 1}).json()
    assert "archived" not in first["states"] and first["version"] == 1
    assert "archived" in client.get(f"/api/v1/machines/{order_machine}").json()["states"]
    assert_error(client.get(f"/api/v1/machines/{order_machine}", params={"version": 9}), 404, "NOT_FOUND")


def test_update_unknown_machine_is_404(client: Any, order_yaml: Any, uid: str, assert_error: Any) -> None:
    assert_error(client.put(f"/api/v1/machines/{uid}", json={"source": order_yaml(uid)}), 404, "NOT_FOUND")


def test_delete(client: Any, order_machine: str, assert_error: Any) -> None:
    assert client.delete(f"/api/v1/machines/{order_machine}").status_code == 204
    assert_error(client.get(f"/api/v1/machines/{order_machine}"), 404, "NOT_FOUND")
    assert_error(client.delete(f"/api/v1/machines/{order_machine}"), 404, "NOT_FOUND")


@pytest.mark.parametrize("bad_id", ["-lead", "has space", "x" * 129, ".dot"])
def test_invalid_machine_ids_are_422(client: Any, bad_id: str, assert_error: Any) -> None:
    assert_error(client.get(f"/api/v1/machines/{bad_id}"), 422, "VALIDATION_FAILED")


def test_compatibility_counts_stranded_entities(client: Any, order_machine: str, order_yaml: Any) -> None:
    for n in range(3):
        assert (
            client.post(
                f"/api/v1/entities/{order_machine}-{n}/create", json={"machine_id": order_machine}
            ).status_code
            == 201
        )
    assert client.post(f"/api/v1/entities/{order_machine}-0/events", json={"trigger": "exchange_ack"}).json()[
        "success"
    ]
    proposed = f"""
meta: {{machine_name: {order_machine}}}
states:
  - {{name: pending, type: initial}}
  - {{name: filled, type: terminal}}
  - {{name: cancelled, type: terminal}}
transitions:
  - {{trigger: cancel, source: pending, dest: cancelled}}
"""
    report = client.post(f"/api/v1/machines/{order_machine}/compatibility", json={"source": proposed}).json()
    assert report["compatible"] is False
    assert report["removed_states"] == ["open"]
    assert report["removed_triggers"] == ["exchange_ack", "fill"]
    assert "open --cancel--> cancelled" in report["changed_transitions"]
    assert report["stranded_entities"] == 1
    assert report["stranded_by_state"] == {"open": 1}
    same = client.post(
        f"/api/v1/machines/{order_machine}/compatibility", json={"source": order_yaml(order_machine)}
    ).json()
    assert same["compatible"] is True and same["stranded_entities"] == 0


def test_compatibility_of_unknown_machine_is_404(
    client: Any, order_yaml: Any, uid: str, assert_error: Any
) -> None:
    assert_error(
        client.post(f"/api/v1/machines/{uid}/compatibility", json={"source": order_yaml(uid)}),
        404,
        "NOT_FOUND",
    )


async def test_a_stored_version_this_release_refuses_is_listed_with_its_error(
    client: Any, order_yaml: Any, uid: str, database_url: str
) -> None:
    assert client.post("/api/v1/machines", json={"source": order_yaml(uid)}).status_code == 201
    broken = uid + "_old"
    store = open_machine_store(database_url)
    try:  # as another release might have saved it: a configuration this one refuses
        await store.asave_machine(broken, source="{}", format="json", config={"meta": {}}, expected_version=0)
        listed = {m["machine_id"]: m for m in client.get("/api/v1/machines").json()}
        assert listed[uid]["error"] is None and listed[uid]["initial_state"] == "pending"
        refused = listed[broken]
        assert (refused["initial_state"], refused["states"], refused["triggers"]) == ("", [], [])
        assert refused["error"].startswith("the stored configuration cannot be loaded: ")
        assert "states" in refused["error"]
    finally:
        await store.adelete_machine(broken)
        await store.aclose()

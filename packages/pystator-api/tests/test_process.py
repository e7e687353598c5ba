"""``POST /api/v1/machines/validate`` and the stateless ``POST /api/v1/process``."""

from __future__ import annotations

from typing import Any

import pytest

INLINE = {
    "meta": {"machine_name": "inline"},
    "states": [{"name": "a", "type": "initial"}, {"name": "b", "on_enter": [{"set": {"entered": True}}]}],
    "transitions": [
        {"trigger": "go", "source": "a", "dest": "b", "actions": ["notify"], "guards": [{"expr": "n > 1"}]}
    ],
}


def test_validate_valid_yaml_with_lint(client: Any, order_yaml: Any) -> None:
    report = client.post("/api/v1/machines/validate", json={"source": order_yaml("m")}).json()
    assert report["valid"] is True
    assert report["errors"] == []
    assert isinstance(report["warnings"], list)


def test_validate_reports_every_error(client: Any) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}],
        "transitions": [
            {"trigger": "go", "source": "a", "dest": "nowhere"},
            {"trigger": "x", "source": "zz", "dest": "a"},
        ],
    }
    report = client.post("/api/v1/machines/validate", json={"machine": machine}).json()
    assert report["valid"] is False
    assert len(report["errors"]) >= 2
    assert any("nowhere" in e for e in report["errors"])


def test_validate_lint_warnings(client: Any) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "island"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
    }
    report = client.post("/api/v1/machines/validate", json={"machine": machine}).json()
    assert report["valid"] is True
    assert any("island" in w["message"] or "island" in w["path"] for w in report["warnings"])
    assert (
        client.post("/api/v1/machines/validate", json={"machine": machine, "lint": False}).json()["warnings"]
        == []
    )


def test_validate_names_what_this_server_cannot_run(client: Any) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}, {"name": "b", "type": "terminal"}],
        "transitions": [
            {"trigger": "go", "source": "a", "dest": "b", "guards": ["is_ok"], "actions": ["do_it", "log"]}
        ],
    }
    codes = {
        (w["code"], w["path"])
        for w in client.post("/api/v1/machines/validate", json={"machine": machine}).json()["warnings"]
    }
    assert ("unregistered_guard", "transitions[0].guards[0]") in codes
    assert ("unregistered_action", "transitions[0].actions[0]") in codes
    assert not any(path == "transitions[0].actions[1]" for _, path in codes)  # log is built in


def test_validate_unreadable_yaml(client: Any) -> None:
    report = client.post("/api/v1/machines/validate", json={"source": "states: [\n  - {name: a"}).json()
    assert report["valid"] is False
    assert report["errors"]


def test_submachine_file_references_are_refused(client: Any) -> None:
    machine = {
        "states": [{"name": "a", "type": "initial"}, {"name": "sub", "submachine": "/etc/passwd"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "sub"}],
    }
    report = client.post("/api/v1/machines/validate", json={"machine": machine}).json()
    assert report["valid"] is False
    assert any("not accepted over the API" in e for e in report["errors"])
    assert not any("root:" in e for e in report["errors"])


def test_validate_needs_exactly_one_definition(client: Any, assert_error: Any) -> None:
    assert_error(client.post("/api/v1/machines/validate", json={}), 422, "VALIDATION_FAILED")
    both = {"source": "a: 1", "machine": {"a": 1}}
    assert_error(client.post("/api/v1/machines/validate", json=both), 422, "VALIDATION_FAILED")


def test_process_inline_plans_actions_without_running_them(client: Any) -> None:
    body = {"machine": INLINE, "current_state": "a", "trigger": "go", "context": {"n": 2}}
    result = client.post("/api/v1/process", json=body).json()
    assert result["success"] is True
    assert (result["source_state"], result["target_state"]) == ("a", "b")
    assert [(a["name"], a["phase"]) for a in result["actions"]] == [
        ("notify", "transition"),
        ("set", "enter"),
    ]
    assert "action_results" not in result


def test_process_defaults_to_the_initial_state(client: Any) -> None:
    result = client.post(
        "/api/v1/process", json={"machine": INLINE, "trigger": "go", "context": {"n": 5}}
    ).json()
    assert result["source_state"] == "a"


def test_process_guard_rejection_is_a_failed_result(client: Any) -> None:
    result = client.post(
        "/api/v1/process", json={"machine": INLINE, "trigger": "go", "context": {"n": 0}}
    ).json()
    assert result["success"] is False
    assert result["target_state"] is None
    assert result["error"]["code"] == "GUARD_REJECTED"


def test_process_unknown_trigger(client: Any) -> None:
    result = client.post("/api/v1/process", json={"machine": INLINE, "trigger": "nope"}).json()
    assert result["success"] is False
    assert result["error"]["code"] == "INVALID_TRIGGER"


def test_process_stored_machine(client: Any, order_machine: str) -> None:
    result = client.post(
        "/api/v1/process", json={"machine_id": order_machine, "trigger": "exchange_ack"}
    ).json()
    assert (result["source_state"], result["target_state"]) == ("pending", "open")


def test_process_unknown_machine_is_404(client: Any, assert_error: Any) -> None:
    assert_error(
        client.post("/api/v1/process", json={"machine_id": "missing", "trigger": "go"}), 404, "NOT_FOUND"
    )


def test_process_invalid_inline_machine_is_422(client: Any, assert_error: Any) -> None:
    response = client.post("/api/v1/process", json={"machine": {"states": []}, "trigger": "go"})
    body = assert_error(response, 422, "CONFIG")
    assert body["errors"]


def test_process_unknown_state_is_422(client: Any, assert_error: Any) -> None:
    response = client.post(
        "/api/v1/process", json={"machine": INLINE, "current_state": "zz", "trigger": "go"}
    )
    assert assert_error(response, 422, "UNDEFINED_STATE")["details"] == {"state": "zz"}


@pytest.mark.parametrize(
    "body",
    [
        {"trigger": "go"},
        {"machine": INLINE, "machine_id": "x", "trigger": "go"},
        {"machine": INLINE, "trigger": ""},
        {"machine": INLINE, "trigger": "go", "unknown": 1},
        {"machine": INLINE, "trigger": "go", "context": []},
    ],
    ids=["no-machine", "two-machines", "empty-trigger", "unknown-field", "context-not-object"],
)
def test_process_invalid_bodies(client: Any, assert_error: Any, body: dict[str, Any]) -> None:
    body_out = assert_error(client.post("/api/v1/process", json=body), 422, "VALIDATION_FAILED")
    assert body_out["errors"]


def test_malformed_json_is_422(client: Any, assert_error: Any) -> None:
    response = client.post(
        "/api/v1/process", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "VALIDATION_FAILED")

"""Bulk routes, observability, the paged transition feed and its server-sent-events stream."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture
def fleet(client: Any, order_machine: str) -> list[str]:
    ids = [f"{order_machine}-{n}" for n in range(4)]
    body = {"machine_id": order_machine, "entities": [{"entity_id": i} for i in ids]}
    assert client.post("/api/v1/entities/bulk/create", json=body).json()["succeeded"] == 4
    return ids


def test_bulk_create_reports_each_item(client: Any, order_machine: str, fleet: list[str]) -> None:
    body = {
        "machine_id": order_machine,
        "entities": [
            {"entity_id": fleet[0]},
            {"entity_id": fleet[0] + "n", "initial_state": "nowhere"},
            {"entity_id": fleet[0] + "m", "context": {"a": 1}},
        ],
    }
    result = client.post("/api/v1/entities/bulk/create", json=body).json()
    assert (result["succeeded"], result["failed"]) == (1, 2)
    assert [(r["ok"], r["status"]) for r in result["results"]] == [(False, 409), (False, 422), (True, 201)]
    assert result["results"][0]["error"]["code"] == "CONFLICT"


def test_bulk_create_unknown_machine_is_404(client: Any, uid: str, assert_error: Any) -> None:
    assert_error(
        client.post(
            "/api/v1/entities/bulk/create", json={"machine_id": uid, "entities": [{"entity_id": "a"}]}
        ),
        404,
        "NOT_FOUND",
    )


def test_bulk_events(client: Any, fleet: list[str]) -> None:
    events = [
        {"entity_id": fleet[0], "trigger": "exchange_ack"},
        {"entity_id": fleet[0], "trigger": "cancel"},
        {"entity_id": fleet[1], "trigger": "fill"},
        {"entity_id": "missing-" + fleet[0], "trigger": "x"},
    ]
    result = client.post("/api/v1/entities/bulk/events", json={"events": events}).json()
    assert [(r["ok"], r["status"], r["state"]) for r in result["results"]] == [
        (True, 200, "open"),
        (True, 200, "cancelled"),
        (False, 200, "pending"),
        (False, 404, None),
    ]
    assert result["results"][2]["error"]["code"] == "INVALID_TRIGGER"


@pytest.mark.parametrize("body", [{"events": []}, {"events": [{"entity_id": "a", "trigger": "x"}] * 501}, {}])
def test_bulk_limits(client: Any, assert_error: Any, body: Any) -> None:
    assert_error(client.post("/api/v1/entities/bulk/events", json=body), 422, "VALIDATION_FAILED")


def test_observability(client: Any, order_machine: str, fleet: list[str], assert_error: Any) -> None:
    client.post(f"/api/v1/entities/{fleet[0]}/events", json={"trigger": "exchange_ack"})
    counts = client.get(f"/api/v1/observability/states/{order_machine}").json()
    assert counts == {"machine_id": order_machine, "counts": {"pending": 3, "open": 1}, "total": 4}
    summary = client.get("/api/v1/observability/summary").json()
    mine = next(m for m in summary["per_machine"] if m["machine_id"] == order_machine)
    assert (mine["entities"], mine["transitions_last_hour"], mine["version"]) == (4, 5, 1)
    assert summary["entities"] >= 4 and summary["machines"] >= 1
    rates = client.get("/api/v1/observability/rates", params={"window_seconds": 60}).json()
    assert rates["per_machine"][order_machine] == 5
    assert rates["per_minute"][order_machine] == 5.0
    assert_error(client.get("/api/v1/observability/states/nope"), 404, "NOT_FOUND")
    assert_error(
        client.get("/api/v1/observability/rates", params={"window_seconds": 0}), 422, "VALIDATION_FAILED"
    )


def test_transition_feed_pages_without_gaps(
    client: Any, order_machine: str, fleet: list[str], assert_error: Any
) -> None:
    for entity in fleet:
        client.post(f"/api/v1/entities/{entity}/events", json={"trigger": "exchange_ack"})
    seen: list[tuple[str, int]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"machine_id": order_machine, "limit": 3, "order": "asc"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/transitions", params=params).json()
        seen += [(t["entity_id"], t["version"]) for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted((e, v) for e in fleet for v in (1, 2))
    assert len(seen) == len(set(seen))
    newest = client.get("/api/v1/transitions", params={"machine_id": order_machine, "limit": 1}).json()[
        "items"
    ][0]
    assert newest["trigger"] == "exchange_ack"
    one = client.get("/api/v1/transitions", params={"entity_id": fleet[2]}).json()["items"]
    assert {t["entity_id"] for t in one} == {fleet[2]}
    assert_error(client.get("/api/v1/transitions", params={"cursor": "garbage!"}), 422, "VALIDATION_FAILED")


def _events(text: str) -> list[dict[str, Any]]:
    out = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if lines.get("event") == "transition":
            out.append(json.loads(lines["data"]))
    return out


def test_stream_replays_and_closes_after_max_events(
    client: Any, order_machine: str, fleet: list[str]
) -> None:
    params = {"machine_id": order_machine, "since": "2000-01-01T00:00:00Z", "max_events": 3}
    with client.stream("GET", "/api/v1/transitions/stream", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.read().decode())
    assert len(events) == 3
    assert all(e["machine_id"] == order_machine and e["trigger"] == "@create" for e in events)


def test_stream_closes_after_max_seconds(client: Any, order_machine: str) -> None:
    with client.stream(
        "GET", "/api/v1/transitions/stream", params={"machine_id": order_machine, "max_seconds": 0.2}
    ) as response:
        text = response.read().decode()
    assert _events(text) == []
    assert text.startswith(": pystator transitions")

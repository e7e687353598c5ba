"""Serving the built web UI: index at /ui/, assets by path, SPA fallback; nothing
installed when there is no build; the entity list route the UI reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from pystator_api.ui import install_ui


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "ui_dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>PyStator</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log('ui')")
    (tmp_path / "secret.txt").write_text("outside")
    return dist


def test_serves_index_assets_and_falls_back(tmp_path: Path) -> None:
    app = FastAPI()
    assert install_ui(app, _dist(tmp_path)) is True
    client = TestClient(app)
    for path in ("/ui", "/ui/", "/ui/machines/order", "/ui/entities/e1?x=1"):
        page = client.get(path)
        assert page.status_code == 200 and "<title>PyStator</title>" in page.text, path
        assert page.headers["cache-control"] == "no-cache"
    asset = client.get("/ui/assets/app-1234.js")
    assert asset.text == "console.log('ui')" and "immutable" in asset.headers["cache-control"]
    assert client.get("/ui/assets/missing.js").status_code == 404
    # a path escaping the build folder is never served from outside it
    assert "outside" not in client.get("/ui/../secret.txt").text
    assert "outside" not in client.get("/ui/%2e%2e/secret.txt").text


def test_nothing_installed_without_a_build(tmp_path: Path) -> None:
    app = FastAPI()
    assert install_ui(app, tmp_path / "missing") is False
    assert TestClient(app).get("/ui/").status_code == 404


def test_entity_list_by_machine_and_state_paged(client: Any, order_machine: str, assert_error: Any) -> None:
    for n in range(5):
        created = client.post(
            f"/api/v1/entities/{order_machine}-{n}/create",
            json={"machine_id": order_machine, "context": {"order_qty": 1}},
        )
        assert created.status_code == 201, created.text
    for n in (1, 3):
        sent = client.post(f"/api/v1/entities/{order_machine}-{n}/events", json={"trigger": "exchange_ack"})
        assert sent.json()["success"] is True
    first = client.get("/api/v1/entities", params={"machine_id": order_machine, "limit": 3}).json()
    assert [e["entity_id"] for e in first["items"]] == [f"{order_machine}-{n}" for n in range(3)]
    assert first["next_after"] == f"{order_machine}-2"
    rest = client.get(
        "/api/v1/entities", params={"machine_id": order_machine, "after": first["next_after"]}
    ).json()
    assert [e["entity_id"] for e in rest["items"]] == [f"{order_machine}-3", f"{order_machine}-4"]
    assert rest["next_after"] is None
    opened = client.get("/api/v1/entities", params={"machine_id": order_machine, "state": "open"}).json()
    assert [(e["entity_id"], e["state"]) for e in opened["items"]] == [
        (f"{order_machine}-1", "open"),
        (f"{order_machine}-3", "open"),
    ]
    assert_error(client.get("/api/v1/entities", params={"machine_id": "nope"}), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/entities"), 422, "VALIDATION_FAILED")

"""Request size limits and the error body: no stack trace ever reaches a client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from pystator_api import create_app


def test_declared_body_too_large_is_413(make_client: Any, assert_error: Any) -> None:
    client = make_client(max_body_bytes=2048)
    payload = {"machine": {"meta": {"description": "x" * 4000}}, "trigger": "go"}
    assert_error(client.post("/api/v1/process", json=payload), 413, "VALIDATION_FAILED")


def test_streamed_body_too_large_is_413(make_client: Any, assert_error: Any) -> None:
    client = make_client(max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:
        yield b'{"trigger": "go", "machine": {"x": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}}'

    response = client.post("/api/v1/process", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "VALIDATION_FAILED")


def test_body_under_the_limit_passes(make_client: Any) -> None:
    client = make_client(max_body_bytes=2048)
    response = client.post("/api/v1/machines/validate", json={"machine": {"states": []}})
    assert response.status_code == 200


def test_unexpected_errors_are_a_500_without_internals(database_url: str, assert_error: Any) -> None:
    from pystator_contracts.settings import Settings

    app = create_app(Settings.model_validate({"database": {"url": database_url}}))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_error(response, 500, "INTERNAL")
    assert "secret internal detail" not in response.text
    assert body["message"] == "internal error; see the server log"


def test_unknown_route_and_method(client: Any, assert_error: Any) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    assert client.patch("/api/v1/machines").status_code == 405
    assert client.patch("/api/v1/machines").json()["status"] == 405


def test_openapi_documents_the_error_body(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    assert "ErrorBody" in schema["components"]["schemas"]
    process = schema["paths"]["/api/v1/process"]["post"]["responses"]
    assert process["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert client.get("/docs").status_code == 200

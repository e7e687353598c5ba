"""Health and readiness; authentication off by default, and on with a secret, users and API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from pystator_api.passwords import hash_password, verify_password

SECRET = "s3cret-for-tests-0123456789abcdef"
PASSWORD_HASH = hash_password("correct horse", iterations=1000)
PROTECTED = [
    ("GET", "/api/v1/machines", None),
    ("POST", "/api/v1/machines/validate", {"machine": {}}),
    ("POST", "/api/v1/process", {"machine_id": "x", "trigger": "go"}),
    ("GET", "/api/v1/entities/e1", None),
    ("POST", "/api/v1/entities/e1/events", {"trigger": "go"}),
    ("GET", "/api/v1/transitions", None),
    ("GET", "/api/v1/observability/summary", None),
    ("GET", "/api/v1/templates", None),
    ("GET", "/api/v1/settings", None),
    ("GET", "/api/v1/auth/me", None),
]


def test_index_points_at_the_docs(client: Any) -> None:
    index = client.get("/").json()
    assert (index["docs"], index["openapi"]) == ("/docs", "/openapi.json")
    assert client.get(index["docs"]).status_code == 200


def test_health_and_ready(client: Any) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_auth_off_by_default(client: Any) -> None:
    me = client.get("/api/v1/auth/me").json()
    assert me == {"name": "anonymous", "kind": "anonymous", "auth_enabled": False}
    assert client.get("/api/v1/machines").status_code == 200


def test_login_disabled_without_secret(client: Any, assert_error: Any) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "a", "password": "b"})
    assert_error(response, 404, "NOT_FOUND")


@pytest.fixture
def secured(make_client: Any) -> Any:
    return make_client(auth_secret=SECRET, users=f"alice:{PASSWORD_HASH}", keys="key-one,key-two")


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_route_refuses_missing_credentials(
    secured: Any, assert_error: Any, method: str, path: str, body: Any
) -> None:
    response = secured.request(method, path, json=body)
    assert_error(response, 401, "UNAUTHORIZED")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_route_refuses_invalid_credentials(
    secured: Any, assert_error: Any, method: str, path: str, body: Any
) -> None:
    assert_error(
        secured.request(method, path, json=body, headers={"X-API-Key": "wrong"}), 401, "UNAUTHORIZED"
    )
    bad = {"Authorization": "Bearer not.a.token"}
    assert_error(secured.request(method, path, json=body, headers=bad), 401, "UNAUTHORIZED")


def test_health_and_login_stay_open(secured: Any) -> None:
    assert secured.get("/health").status_code == 200
    assert secured.get("/").status_code == 200
    assert secured.get("/ready").status_code == 200
    assert (
        secured.post(
            "/api/v1/auth/login", json={"username": "alice", "password": "correct horse"}
        ).status_code
        == 200
    )


def test_login_and_me_with_token(secured: Any, assert_error: Any) -> None:
    response = secured.post("/api/v1/auth/login", json={"username": "alice", "password": "correct horse"})
    token = response.json()["access_token"]
    assert response.json()["token_type"] == "bearer"
    me = secured.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "alice", "kind": "token", "auth_enabled": True}
    assert secured.get("/api/v1/machines", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("bob", "correct horse")])
def test_login_refuses_bad_credentials(secured: Any, assert_error: Any, username: str, password: str) -> None:
    response = secured.post("/api/v1/auth/login", json={"username": username, "password": password})
    body = assert_error(response, 401, "UNAUTHORIZED")
    assert body["message"] == "invalid username or password"


def test_api_key(secured: Any) -> None:
    me = secured.get("/api/v1/auth/me", headers={"X-API-Key": "key-two"}).json()
    assert me["kind"] == "api_key"


def _token(secret: str, **claims: Any) -> str:
    now = datetime.now(UTC)
    base = {"sub": "alice", "iss": "pystator", "iat": now, "exp": now + timedelta(minutes=5)}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (_token(SECRET, exp=datetime.now(UTC) - timedelta(seconds=5)), "the token has expired; log in again"),
        (_token("another-secret-0123456789abcdefgh"), "invalid token"),
        (_token(SECRET, iss="someone-else"), "invalid token"),
        (jwt.encode({"sub": "alice", "iss": "pystator"}, SECRET, algorithm="HS256"), "invalid token"),
    ],
    ids=["expired", "wrong-secret", "wrong-issuer", "no-expiry"],
)
def test_refused_tokens(secured: Any, assert_error: Any, token: str, message: str) -> None:
    response = secured.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert assert_error(response, 401, "UNAUTHORIZED")["message"] == message


def test_password_hashes() -> None:
    assert verify_password("correct horse", PASSWORD_HASH)
    assert not verify_password("correct horse!", PASSWORD_HASH)
    assert not verify_password("x", "not-a-hash")
    assert hash_password("x") != hash_password("x")  # salted

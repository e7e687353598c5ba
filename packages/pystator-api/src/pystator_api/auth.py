"""Authentication: off when nothing is configured; otherwise every route but health and login needs
a credential, either ``Authorization: Bearer <jwt>`` (HS256, signed with ``[api] auth_secret``, from
``POST /api/v1/auth/login``) or ``X-API-Key: <key>`` (one of ``[api] keys``)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from pystator_api.errors import ApiError
from pystator_api.passwords import verify_password
from pystator_contracts.codes import ErrorCode
from pystator_contracts.settings import ApiSettings

__all__ = ["Authenticator", "Principal"]

_ALGORITHM = "HS256"
_ISSUER = "pystator"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request: ``kind`` is how they proved it."""

    name: str
    kind: Literal["anonymous", "token", "api_key"]


ANONYMOUS = Principal("anonymous", "anonymous")


class Authenticator:
    def __init__(self, settings: ApiSettings) -> None:
        self._secret = settings.auth_secret.get_secret_value() if settings.auth_secret else None
        self._keys = tuple(k.get_secret_value() for k in settings.keys)
        self._users: dict[str, str] = {}
        for entry in settings.users:
            name, sep, hashed = entry.get_secret_value().partition(":")
            if not sep or not name or not hashed:
                raise ValueError("[api] users: expected 'name:password-hash' entries")
            self._users[name] = hashed
        self._ttl = settings.token_ttl_seconds

    @property
    def enabled(self) -> bool:
        return self._secret is not None or bool(self._keys)

    @property
    def login_enabled(self) -> bool:
        return self._secret is not None

    def login(self, username: str, password: str) -> tuple[str, datetime]:
        """A signed token for valid credentials; ``ApiError`` 401 otherwise (same message either way)."""
        if self._secret is None:
            raise ApiError(404, ErrorCode.NOT_FOUND, "login is not enabled: [api] auth_secret is not set")
        hashed = self._users.get(username)
        if hashed is None or not verify_password(password, hashed):
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "invalid username or password")
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self._ttl)
        claims = {"sub": username, "iat": now, "exp": expires, "iss": _ISSUER}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM), expires

    def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        """The caller; every credential presented must be valid (an invalid one is never ignored)."""
        if not self.enabled:
            return ANONYMOUS
        if authorization is None and api_key is None:
            raise ApiError(
                401, ErrorCode.UNAUTHORIZED, "authentication required: a bearer token or an X-API-Key"
            )
        principal: Principal | None = None
        if authorization is not None:
            principal = self._token_principal(authorization)
        if api_key is not None:
            if not any(hmac.compare_digest(api_key.encode(), key.encode()) for key in self._keys):
                raise ApiError(401, ErrorCode.UNAUTHORIZED, "invalid API key")
            principal = principal or Principal("api-key", "api_key")
        assert principal is not None
        return principal

    def _token_principal(self, authorization: str) -> Principal:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "expected 'Authorization: Bearer <token>'")
        if self._secret is None:
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "tokens are not accepted: login is not enabled")
        try:
            claims = jwt.decode(
                token.strip(),
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "the token has expired; log in again") from None
        except jwt.InvalidTokenError:
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "invalid token") from None
        return Principal(str(claims["sub"]), "token")

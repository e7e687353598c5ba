"""``POST /api/v1/auth/login`` (a JWT for a configured user) and ``GET /api/v1/auth/me``."""

from __future__ import annotations

from fastapi import APIRouter

from pystator_api.deps import Caller, Rt
from pystator_api.errors import error_responses
from pystator_api.models import LoginRequest, MeOut, TokenOut

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenOut,
    summary="Exchange a username and password for a bearer token",
    responses=error_responses(401, 404, 422),
)
async def login(body: LoginRequest, runtime: Rt) -> TokenOut:
    token, expires = runtime.auth.login(body.username, body.password)
    return TokenOut(access_token=token, expires_at=expires)


@router.get(
    "/me",
    response_model=MeOut,
    summary="Who the credentials belong to",
    responses=error_responses(401),
)
async def me(caller: Caller, runtime: Rt) -> MeOut:
    return MeOut(name=caller.name, kind=caller.kind, auth_enabled=runtime.auth.enabled)

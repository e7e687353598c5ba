"""FastAPI dependencies: the runtime of the app, and the caller's credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from pystator_api.auth import Principal
from pystator_api.runtime import Runtime

__all__ = ["Caller", "Rt", "get_runtime", "require_caller"]

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of the configured API keys")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def require_caller(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """Who is calling; 401 when auth is on and the credential is missing or invalid."""
    runtime = get_runtime(request)
    authorization = (
        f"{bearer.scheme} {bearer.credentials}"
        if bearer is not None
        else request.headers.get("authorization")
    )
    return runtime.auth.authenticate(authorization, api_key)


Rt = Annotated[Runtime, Depends(get_runtime)]
Caller = Annotated[Principal, Depends(require_caller)]

"""One error body for every failure: ``pystator_contracts.wire.ErrorBody`` (status, code, message,
field path). Handlers turn PyStator errors, request validation errors and HTTP errors into it; any
other exception becomes a 500 whose body says nothing about the server's internals (it is logged)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pystator.errors import (
    ConfigurationError,
    EntityNotFoundError,
    FSMError,
    StaleVersionError,
    StoreError,
)
from pystator_contracts.codes import ErrorCode
from pystator_contracts.wire import ErrorBody

__all__ = ["ERROR_RESPONSES", "ApiError", "error_response", "error_responses", "install_error_handlers"]

logger = logging.getLogger("pystator.api")


class ApiError(Exception):
    """Raised by route code: becomes an ``ErrorBody`` response with ``status``."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        path: str | None = None,
        errors: list[str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.body = ErrorBody(
            status=status,
            code=code,
            message=message,
            path=path,
            errors=list(errors or []),
            details=dict(details or {}),
        )


def not_found(what: str, ident: str, *, code: ErrorCode = ErrorCode.NOT_FOUND) -> ApiError:
    return ApiError(404, code, f"{what} {ident!r} not found")


def error_response(body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=body.status, headers=headers)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for key, value in details.items():
        if value is None or isinstance(value, str | int | float | bool):
            safe[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str | int | float | bool) for v in value):
            safe[key] = list(value)
        else:
            safe[key] = str(value)
    return safe


def fsm_error_body(exc: FSMError) -> ErrorBody:
    status = 422
    if isinstance(exc, StaleVersionError):
        status = 409
    elif isinstance(exc, EntityNotFoundError):
        status = 404
    elif isinstance(exc, StoreError):
        status = 409 if exc.code is ErrorCode.CONFLICT else 503
    errors = list(exc.errors) if isinstance(exc, ConfigurationError) else []
    message = exc.message or (errors[0] if errors else type(exc).__name__)
    if isinstance(exc, StoreError) and status == 503:
        message = "the store is unavailable"
    details = {} if status == 503 else _jsonable(exc.context)
    details.pop("errors", None)
    return ErrorBody(
        status=status, code=exc.code, message=message.splitlines()[0], errors=errors, details=details
    )


def _validation_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "Missing or invalid credentials"),
        (404, "Not found"),
        (409, "Version conflict"),
        (413, "Request body too large"),
        (422, "Invalid input"),
        (500, "Internal error"),
        (503, "Store unavailable"),
    )
}


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (FastAPI keeps one route per method)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        methods = getattr(route, "methods", None)
        if regex is not None and methods and regex.match(request.url.path):
            allowed.update(methods)
    return sorted(allowed)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry documenting the error body for ``statuses``."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.body.status == 401 else None
        return error_response(exc.body, headers)

    @app.exception_handler(FSMError)
    async def _fsm_error(request: Request, exc: FSMError) -> JSONResponse:
        body = fsm_error_body(exc)
        if body.status >= 500:
            logger.error("store failure on %s %s: %s", request.method, request.url.path, exc)
        return error_response(body)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        lines = [f"{_validation_path(tuple(p['loc'])) or 'body'}: {p['msg']}" for p in problems]
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        body = ErrorBody(
            status=422,
            code=ErrorCode.VALIDATION_FAILED,
            message=lines[0] if lines else "invalid request",
            path=_validation_path(tuple(first["loc"])) or None,
            errors=lines,
        )
        return error_response(body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code if 400 <= exc.status_code <= 599 else 500
        message = str(exc.detail)
        if status == 400:  # an unreadable body (not JSON, not UTF-8): invalid input like any other
            status, message = 422, f"invalid request body: {message}"
        codes = {401: ErrorCode.UNAUTHORIZED, 404: ErrorCode.NOT_FOUND, 409: ErrorCode.CONFLICT}
        code = codes.get(status, ErrorCode.VALIDATION_FAILED if status < 500 else ErrorCode.INTERNAL)
        headers = dict(exc.headers) if exc.headers else {}
        if status == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        body = ErrorBody(status=status, code=code, message=message)
        return error_response(body, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        body = ErrorBody(status=500, code=ErrorCode.INTERNAL, message="internal error; see the server log")
        return error_response(body)

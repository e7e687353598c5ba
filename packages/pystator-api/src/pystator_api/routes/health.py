"""``GET /`` (an index pointing at the docs), ``GET /health`` (liveness: the process answers) and
``GET /ready`` (readiness: the store answers)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from pystator_api._version import __version__
from pystator_api.deps import Rt
from pystator_api.errors import ApiError, error_responses
from pystator_api.models import HealthOut, IndexOut, ReadyOut
from pystator_contracts.codes import ErrorCode
from pystator_stores.urls import parse_store_url

__all__ = ["router"]

router = APIRouter(tags=["health"])
logger = logging.getLogger("pystator.api")


@router.get("/", response_model=IndexOut, summary="Where the API documentation is")
async def index() -> IndexOut:
    return IndexOut(version=__version__)


@router.get("/health", response_model=HealthOut, summary="Liveness")
async def health() -> HealthOut:
    return HealthOut()


@router.get(
    "/ready",
    response_model=ReadyOut,
    summary="Readiness: the store answers",
    responses=error_responses(503),
)
async def ready(runtime: Rt) -> ReadyOut:
    try:
        await runtime.fleet.aping()
        await runtime.machines.aping()
    except Exception as exc:
        logger.warning("readiness check failed: %s", exc)
        raise ApiError(503, ErrorCode.STORE_ERROR, "the store is unavailable") from None
    return ReadyOut(store=parse_store_url(runtime.settings.database.url).backend)

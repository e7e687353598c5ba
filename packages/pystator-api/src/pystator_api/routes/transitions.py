"""``GET /api/v1/transitions`` (paged feed of every entity's transitions) and
``GET /api/v1/transitions/stream`` (the same as server-sent events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from pystator_api.deps import Caller, Rt
from pystator_api.errors import ApiError, error_responses
from pystator_api.feed import sse_transitions
from pystator_api.models import TransitionOut, TransitionPage
from pystator_contracts.codes import ErrorCode
from pystator_stores.fleet import FeedCursor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/transitions", tags=["transitions"])
_ERRORS = error_responses(401, 422)
Filter = Annotated[str | None, Query(min_length=1, max_length=255)]


@router.get(
    "",
    response_model=TransitionPage,
    summary="Committed transitions of every entity, paged",
    responses=_ERRORS,
)
async def transitions(
    *,
    runtime: Rt,
    _: Caller,
    machine_id: Filter = None,
    entity_id: Filter = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Only transitions at or after this time")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    order: Literal["asc", "desc"] = "desc",
) -> TransitionPage:
    after = None
    if cursor is not None:
        try:
            after = FeedCursor.decode(cursor)
        except ValueError as exc:
            raise ApiError(422, ErrorCode.VALIDATION_FAILED, str(exc), path="cursor") from None
    page = await runtime.fleet.transitions(
        machine=machine_id, entity_id=entity_id, since=since, after=after, limit=limit, order=order
    )
    return TransitionPage(
        items=[TransitionOut.of(r) for r in page.items],
        next_cursor=page.next_cursor.encode() if page.next_cursor is not None else None,
    )


@router.get(
    "/stream",
    summary="Transitions as server-sent events (event 'transition', data a TransitionOut)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}, **_ERRORS},
)
async def stream(
    *,
    request: Request,
    runtime: Rt,
    _: Caller,
    machine_id: Filter = None,
    entity_id: Filter = None,
    since: Annotated[AwareDatetime | None, Query(description="Replay from this time (default: now)")] = None,
    max_events: Annotated[
        int | None, Query(ge=1, le=100_000, description="Close after this many events")
    ] = None,
    max_seconds: Annotated[float | None, Query(gt=0, le=86_400, description="Close after this long")] = None,
) -> StreamingResponse:
    events = sse_transitions(
        runtime.fleet,
        since=since if since is not None else datetime.now(UTC),
        machine=machine_id,
        entity_id=entity_id,
        poll_interval=runtime.poll_interval,
        max_events=max_events,
        max_seconds=max_seconds,
        is_disconnected=request.is_disconnected,
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

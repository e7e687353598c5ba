"""The worker queue over HTTP: ``POST /api/v1/entities/{entity_id}/apply-data`` (enqueued, applied
by a worker) and the dead letters (``/api/v1/worker/dead-letters``).

``apply-data`` submits the event ``apply_data`` (``APPLY_DATA_TRIGGER``) with the data as its
payload, so a worker merges the data into the entity's context and takes the machine's
``apply_data`` transition from the current state.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from pystator_api.deps import Caller, Rt
from pystator_api.errors import ApiError, error_responses
from pystator_api.models import ApplyDataRequest, DeadLetterOut, QueuedEventOut
from pystator_contracts.codes import ErrorCode
from pystator_worker import DeadLetter, EventInfo

__all__ = ["APPLY_DATA_TRIGGER", "router"]

APPLY_DATA_TRIGGER = "apply_data"

router = APIRouter(prefix="/api/v1", tags=["worker"])
EventIdPath = Annotated[str, Path(min_length=1, max_length=64)]


def _event(info: EventInfo) -> QueuedEventOut:
    data: dict[str, Any] = info.to_dict()
    return QueuedEventOut(
        event_id=info.event_id,
        machine_id=info.machine,
        entity_id=info.entity_id,
        trigger=info.trigger,
        payload=dict(info.payload),
        status=info.status.value,
        outcome=data.get("outcome"),
        attempts=info.attempts,
        created_at=info.created_at,
        available_at=info.available_at,
        idempotency_key=info.idempotency_key,
        last_error=info.last_error,
        result=dict(info.result),
        finished_at=info.finished_at,
    )


def _dead(letter: DeadLetter) -> DeadLetterOut:
    return DeadLetterOut(
        event=_event(letter.event),
        reason=letter.reason.value,
        error=letter.error,
        attempts=letter.attempts,
        dead_at=letter.dead_at,
    )


@router.post(
    "/entities/{entity_id}/apply-data",
    response_model=QueuedEventOut,
    status_code=202,
    summary="Queue data for an entity: a worker applies it (event 'apply_data')",
    responses=error_responses(401, 404, 409, 422),
)
async def apply_data(
    entity_id: Annotated[str, Path(min_length=1, max_length=255)],
    body: ApplyDataRequest,
    runtime: Rt,
    _: Caller,
) -> QueuedEventOut:
    record, _loaded = await runtime.entity_machine(entity_id)
    event_id = await runtime.queue.asubmit_event(
        entity_id,
        APPLY_DATA_TRIGGER,
        dict(body.data),
        machine=record.machine,
        idempotency_key=body.idempotency_key,
    )
    info = await runtime.queue.aget_event(event_id)
    assert info is not None
    return _event(info)


@router.get(
    "/worker/events/{event_id}",
    response_model=QueuedEventOut,
    summary="A queued event and where it stands",
    responses=error_responses(401, 404, 422),
)
async def get_event(event_id: EventIdPath, runtime: Rt, _: Caller) -> QueuedEventOut:
    info = await runtime.queue.aget_event(event_id)
    if info is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"event {event_id!r} not found")
    return _event(info)


@router.get(
    "/worker/dead-letters",
    response_model=list[DeadLetterOut],
    summary="Events that failed for good, oldest first",
    responses=error_responses(401, 422),
)
async def dead_letters(
    runtime: Rt,
    _: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[
        str | None, Query(min_length=1, max_length=64, description="The last event id seen")
    ] = None,
) -> list[DeadLetterOut]:
    return [_dead(d) for d in await runtime.queue.adead_letters(limit=limit, after=after)]


@router.get(
    "/worker/dead-letters/{event_id}",
    response_model=DeadLetterOut,
    summary="One dead letter",
    responses=error_responses(401, 404, 422),
)
async def dead_letter(event_id: EventIdPath, runtime: Rt, _: Caller) -> DeadLetterOut:
    letter = await runtime.queue.adead_letter(event_id)
    if letter is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no dead letter for event {event_id!r}")
    return _dead(letter)


@router.post(
    "/worker/dead-letters/{event_id}/replay",
    response_model=QueuedEventOut,
    summary="Put a dead-lettered event back in the queue",
    responses=error_responses(401, 404, 422),
)
async def replay(event_id: EventIdPath, runtime: Rt, _: Caller) -> QueuedEventOut:
    if not await runtime.queue.areplay(event_id):
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no dead letter for event {event_id!r}")
    info = await runtime.queue.aget_event(event_id)
    assert info is not None
    return _event(info)


@router.delete(
    "/worker/dead-letters/{event_id}",
    status_code=204,
    summary="Discard a dead letter (the event stays failed)",
    responses=error_responses(401, 404, 422),
)
async def discard(event_id: EventIdPath, runtime: Rt, _: Caller) -> Response:
    if not await runtime.queue.adiscard(event_id):
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no dead letter for event {event_id!r}")
    return Response(status_code=204)

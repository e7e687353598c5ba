"""Persisted entities: ``/api/v1/entities/{entity_id}/...``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pystator_api.convert import process_response
from pystator_api.deps import Caller, Rt
from pystator_api.entities import create_entity, entity_out, send_event
from pystator_api.errors import ApiError, error_responses
from pystator_api.models import (
    DryRunRequest,
    EntityCreate,
    EntityMetrics,
    EntityOut,
    EventRequest,
    EventResponse,
    HistoryOut,
    TimelineEntry,
    TimelineOut,
    TransitionOut,
    TriggersOut,
)
from pystator_contracts.codes import ErrorCode
from pystator_contracts.wire import ProcessResponse

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/entities", tags=["entities"])

EntityIdPath = Annotated[str, Path(min_length=1, max_length=255)]
_ERRORS = error_responses(401, 404, 409, 422)
_TIMELINE_LIMIT = 1000


@router.post(
    "/{entity_id}/create",
    response_model=EntityOut,
    status_code=201,
    summary="Create an entity of a stored machine",
    responses=_ERRORS,
)
async def create(entity_id: EntityIdPath, body: EntityCreate, runtime: Rt, _: Caller) -> EntityOut:
    return await create_entity(runtime, entity_id, body.machine_id, body.initial_state, dict(body.context))


@router.post(
    "/{entity_id}/events",
    response_model=EventResponse,
    summary="Send an event: the full orchestrator loop (persist, timers, actions)",
    responses=_ERRORS,
)
async def events(entity_id: EntityIdPath, body: EventRequest, runtime: Rt, _: Caller) -> EventResponse:
    return await send_event(runtime, entity_id, body.trigger, dict(body.payload), body.idempotency_key)


@router.get(
    "/{entity_id}",
    response_model=EntityOut,
    summary="An entity's state, version and context",
    responses=_ERRORS,
)
@router.get(
    "/{entity_id}/state",
    response_model=EntityOut,
    summary="An entity's state, version and context",
    responses=_ERRORS,
)
async def state(entity_id: EntityIdPath, runtime: Rt, _: Caller) -> EntityOut:
    record, loaded = await runtime.entity_machine(entity_id)
    return entity_out(record, loaded)


@router.get(
    "/{entity_id}/history",
    response_model=HistoryOut,
    summary="Committed transitions, oldest first",
    responses=_ERRORS,
)
async def history(
    entity_id: EntityIdPath,
    runtime: Rt,
    _: Caller,
    after_version: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HistoryOut:
    await runtime.entity_machine(entity_id)
    records = await runtime.store.ahistory(entity_id, after_version=after_version, limit=limit + 1)
    items = [TransitionOut.of(r) for r in records[:limit]]
    more = len(records) > limit
    return HistoryOut(
        entity_id=entity_id, items=items, next_after_version=items[-1].version if more else None
    )


@router.get(
    "/{entity_id}/timeline",
    response_model=TimelineOut,
    summary="States the entity went through, with durations",
    responses=_ERRORS,
)
async def timeline(entity_id: EntityIdPath, runtime: Rt, _: Caller) -> TimelineOut:
    await runtime.entity_machine(entity_id)
    records = await runtime.store.ahistory(entity_id, limit=_TIMELINE_LIMIT)
    entries: list[TimelineEntry] = []
    for index, record in enumerate(records):
        left = records[index + 1].timestamp if index + 1 < len(records) else None
        entries.append(
            TimelineEntry(
                state=record.to_state,
                version=record.version,
                trigger=record.trigger,
                entered_at=record.timestamp,
                left_at=left,
                duration_seconds=(left - record.timestamp).total_seconds() if left is not None else None,
            )
        )
    return TimelineOut(entity_id=entity_id, entries=entries)


@router.get(
    "/{entity_id}/triggers",
    response_model=TriggersOut,
    summary="Triggers available from the current state",
    responses=_ERRORS,
)
async def triggers(entity_id: EntityIdPath, runtime: Rt, _: Caller) -> TriggersOut:
    record, loaded = await runtime.entity_machine(entity_id)
    machine = loaded.machine
    defined = machine.get_available_triggers(record.state)
    available = machine.get_available_triggers(record.state, dict(record.context))
    return TriggersOut(entity_id=entity_id, state=record.state, available=available, defined=defined)


@router.post(
    "/{entity_id}/dry-run",
    response_model=ProcessResponse,
    summary="What an event would do now, without persisting or running anything",
    responses=_ERRORS,
)
async def dry_run(entity_id: EntityIdPath, body: DryRunRequest, runtime: Rt, _: Caller) -> ProcessResponse:
    record, loaded = await runtime.entity_machine(entity_id)
    result = await loaded.machine.aprocess(record.state, body.trigger, {**record.context, **body.payload})
    return process_response(result)


@router.get(
    "/{entity_id}/metrics",
    response_model=EntityMetrics,
    summary="Counts and durations of one entity",
    responses=_ERRORS,
)
async def metrics(entity_id: EntityIdPath, runtime: Rt, _: Caller) -> EntityMetrics:
    record, _loaded = await runtime.entity_machine(entity_id)
    records = await runtime.store.ahistory(entity_id, limit=_TIMELINE_LIMIT)
    last = records[-1].timestamp if records else None
    since = last or record.updated_at
    return EntityMetrics(
        entity_id=entity_id,
        machine_id=record.machine,
        state=record.state,
        version=record.version,
        transitions=record.version,
        created_at=records[0].timestamp if records else None,
        last_transition_at=last,
        seconds_in_state=max(0.0, (datetime.now(UTC) - since).total_seconds()),
        triggers=dict(Counter(r.trigger for r in records)),
        states_visited=dict(Counter(r.to_state for r in records)),
        actions_failed=sum(1 for r in records if str(r.actions_status) == "failed"),
        actions_pending=sum(1 for r in records if str(r.actions_status) == "pending"),
    )


@router.delete("/{entity_id}", status_code=204, summary="Delete an entity and its history", responses=_ERRORS)
async def delete(entity_id: EntityIdPath, runtime: Rt, _: Caller) -> Response:
    if not await runtime.fleet.delete_entity(entity_id):
        raise ApiError(404, ErrorCode.ENTITY_NOT_FOUND, f"entity {entity_id!r} not found")
    cancel = getattr(runtime.scheduler, "cancel_for_entity", None)
    if cancel is not None:
        await cancel(entity_id)
    return Response(status_code=204)

"""``POST /api/v1/entities/bulk/create`` and ``/bulk/events``: many entities in one request.

Each item is processed on its own (one failing item does not undo the others) and reported with
the HTTP status the single-entity route would have answered.
"""

from __future__ import annotations

from fastapi import APIRouter

from pystator.errors import FSMError
from pystator_api.deps import Caller, Rt
from pystator_api.entities import create_entity, send_event
from pystator_api.errors import ApiError, error_responses, fsm_error_body
from pystator_api.models import BulkCreateRequest, BulkEventsRequest, BulkItemResult, BulkResult

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/entities/bulk", tags=["entities"])
_ERRORS = error_responses(401, 404, 422)


def _failed(entity_id: str, exc: Exception) -> BulkItemResult:
    body = exc.body if isinstance(exc, ApiError) else fsm_error_body(exc)  # type: ignore[arg-type]
    return BulkItemResult(entity_id=entity_id, ok=False, status=body.status, error=body)


def _result(items: list[BulkItemResult]) -> BulkResult:
    ok = sum(1 for i in items if i.ok)
    return BulkResult(succeeded=ok, failed=len(items) - ok, results=items)


@router.post(
    "/create", response_model=BulkResult, summary="Create many entities of one machine", responses=_ERRORS
)
async def bulk_create(body: BulkCreateRequest, runtime: Rt, _: Caller) -> BulkResult:
    await runtime.machine(body.machine_id)  # 404 for the whole request when the machine is unknown
    items: list[BulkItemResult] = []
    for entity in body.entities:
        try:
            out = await create_entity(
                runtime, entity.entity_id, body.machine_id, entity.initial_state, dict(entity.context)
            )
        except (ApiError, FSMError) as exc:
            items.append(_failed(entity.entity_id, exc))
            continue
        items.append(
            BulkItemResult(entity_id=out.entity_id, ok=True, status=201, state=out.state, version=out.version)
        )
    return _result(items)


@router.post("/events", response_model=BulkResult, summary="Send many events, in order", responses=_ERRORS)
async def bulk_events(body: BulkEventsRequest, runtime: Rt, _: Caller) -> BulkResult:
    items: list[BulkItemResult] = []
    for event in body.events:
        try:
            out = await send_event(
                runtime, event.entity_id, event.trigger, dict(event.payload), event.idempotency_key
            )
        except (ApiError, FSMError) as exc:
            items.append(_failed(event.entity_id, exc))
            continue
        state = out.target_state if out.success else out.source_state
        items.append(
            BulkItemResult(
                entity_id=out.entity_id,
                ok=out.success,
                status=200,
                state=state,
                version=out.version,
                error=out.error,
            )
        )
    return _result(items)

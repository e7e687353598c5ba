"""``GET /api/v1/entities``: the entities of one machine, optionally in one state, paged by id
(what the web UI's entity list reads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pystator.stores.machines import MACHINE_ID_PATTERN
from pystator_api.deps import Caller, Rt
from pystator_api.entities import entity_out
from pystator_api.errors import error_responses
from pystator_api.models import EntityPageOut

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/entities", tags=["entities"])


@router.get(
    "",
    response_model=EntityPageOut,
    summary="Entities of a machine (in a state when given), ordered by id, paged",
    responses=error_responses(401, 404, 422),
)
async def list_entities(
    *,
    runtime: Rt,
    _: Caller,
    machine_id: Annotated[str, Query(pattern=MACHINE_ID_PATTERN, max_length=128)],
    state: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    after: Annotated[
        str | None, Query(min_length=1, max_length=255, description="next_after of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EntityPageOut:
    loaded = await runtime.machine(machine_id)
    page = await runtime.store.alist_entities(machine_id, state=state, limit=limit, after=after)
    return EntityPageOut(
        machine_id=machine_id,
        items=[entity_out(record, loaded) for record in page.items],
        next_after=page.next_after,
    )

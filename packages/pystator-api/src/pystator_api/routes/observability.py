"""Fleet KPIs: ``/api/v1/observability/summary``, ``/states/{machine_id}``, ``/rates``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from pystator.stores.machines import MACHINE_ID_PATTERN
from pystator_api.deps import Caller, Rt
from pystator_api.errors import error_responses
from pystator_api.models import FleetSummary, MachineFleet, StateCounts, TransitionRates

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/observability", tags=["observability"])
_ERRORS = error_responses(401, 404, 422)


@router.get(
    "/summary",
    response_model=FleetSummary,
    summary="Machines, entities and recent activity",
    responses=_ERRORS,
)
async def summary(runtime: Rt, _: Caller) -> FleetSummary:
    machines = await runtime.machines.alist_machines()
    entities = await runtime.fleet.entity_counts()
    recent = await runtime.fleet.transition_counts(datetime.now(UTC) - timedelta(hours=1))
    known = {m.machine_id for m in machines}
    per_machine = [
        MachineFleet(
            machine_id=m.machine_id,
            version=m.version,
            entities=entities.get(m.machine_id, 0),
            transitions_last_hour=recent.get(m.machine_id, 0),
        )
        for m in machines
    ]
    return FleetSummary(
        machines=len(machines),
        entities=sum(entities.values()),
        transitions_last_hour=sum(recent.values()),
        per_machine=per_machine,
        unassigned_entities=sum(n for name, n in entities.items() if name not in known),
    )


@router.get(
    "/states/{machine_id}",
    response_model=StateCounts,
    summary="Entities per state of a machine",
    responses=_ERRORS,
)
async def states(
    machine_id: Annotated[str, Path(pattern=MACHINE_ID_PATTERN, max_length=128)], runtime: Rt, _: Caller
) -> StateCounts:
    await runtime.machine(machine_id)
    counts = await runtime.store.acount_by_state(machine_id)
    return StateCounts(machine_id=machine_id, counts=dict(counts), total=sum(counts.values()))


@router.get(
    "/rates",
    response_model=TransitionRates,
    summary="Committed transitions per machine over a window",
    responses=_ERRORS,
)
async def rates(
    runtime: Rt,
    _: Caller,
    window_seconds: Annotated[int, Query(ge=1, le=30 * 86400, description="Length of the window")] = 300,
) -> TransitionRates:
    since = datetime.now(UTC) - timedelta(seconds=window_seconds)
    counts = await runtime.fleet.transition_counts(since)
    minutes = window_seconds / 60.0
    return TransitionRates(
        window_seconds=window_seconds,
        since=since,
        per_machine=counts,
        per_minute={name: round(n / minutes, 3) for name, n in counts.items()},
        total=sum(counts.values()),
    )

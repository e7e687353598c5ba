"""Entity operations shared by the single-entity and the bulk routes."""

from __future__ import annotations

from typing import Any

from pystator.stores.records import EntityRecord, TransitionCommit
from pystator_api.convert import action_plan, error_body, jsonable, public_metadata, timer_plan
from pystator_api.errors import ApiError
from pystator_api.models import ActionResultOut, EntityOut, EventResponse
from pystator_api.runtime import LoadedMachine, Runtime
from pystator_contracts.codes import ErrorCode

__all__ = ["CREATE_TRIGGER", "create_entity", "entity_out", "send_event"]

CREATE_TRIGGER = "@create"
"""The trigger recorded in the history row that creates an entity (version 1)."""


def entity_out(record: EntityRecord, loaded: LoadedMachine) -> EntityOut:
    machine = loaded.machine
    try:
        active = machine.active_states(record.state)
        terminal = machine.is_terminal(record.state)
    except Exception:
        active, terminal = [record.state], False
    return EntityOut(
        entity_id=record.entity_id,
        machine_id=record.machine,
        state=record.state,
        version=record.version,
        context=jsonable(dict(record.context)),
        updated_at=record.updated_at,
        active_states=list(active),
        is_terminal=terminal,
    )


async def create_entity(
    runtime: Runtime, entity_id: str, machine_id: str, initial_state: str | None, context: dict[str, Any]
) -> EntityOut:
    loaded = await runtime.machine(machine_id)
    machine = loaded.machine
    state = machine.initial_state
    if initial_state is not None and initial_state != state:
        if initial_state not in machine.leaf_states:
            raise ApiError(
                422,
                ErrorCode.UNDEFINED_STATE,
                f"initial_state: {initial_state!r} is not a leaf state of machine {machine_id!r}",
                path="initial_state",
            )
        state = initial_state
    if await runtime.store.aload_entity(entity_id) is not None:
        raise ApiError(409, ErrorCode.CONFLICT, f"entity {entity_id!r} already exists")
    committed = await runtime.store.acommit_transition(
        TransitionCommit(
            entity_id=entity_id,
            machine=machine.name,
            expected_version=0,
            from_state=None,
            to_state=state,
            trigger=CREATE_TRIGGER,
            context=context,
            metadata={"machine_version": loaded.stored.version},
        )
    )
    if runtime.scheduler is not None:
        orchestrator = await runtime.orchestrator(loaded)
        keeper = orchestrator._timers
        if keeper is not None:
            entity = committed.entity
            await keeper.rebuild_entity(entity.entity_id, entity.state, entity.version, entity.updated_at)
    return entity_out(committed.entity, loaded)


async def send_event(
    runtime: Runtime, entity_id: str, trigger: str, payload: dict[str, Any], idempotency_key: str | None
) -> EventResponse:
    _record, loaded = await runtime.entity_machine(entity_id)
    orchestrator = await runtime.orchestrator(loaded)
    result = await orchestrator.async_process_event(
        entity_id, trigger, payload, idempotency_key=idempotency_key
    )
    results = result.metadata.get("action_results") or []
    version = result.metadata.get("version")
    return EventResponse(
        success=result.success,
        entity_id=entity_id,
        source_state=result.source_state,
        target_state=result.target_state,
        trigger=result.trigger,
        version=version if isinstance(version, int) else None,
        duplicate=bool(result.metadata.get("duplicate", False)),
        actions=[action_plan(s) for s in result.all_action_specs],
        action_results=[
            ActionResultOut(
                action_name=r.action_name,
                status=str(r.status),
                success=r.success,
                result=jsonable(r.result),
                error=None if r.error is None else f"{type(r.error).__name__}: {r.error}",
            )
            for r in results
        ],
        timers_to_start=[timer_plan(t) for t in result.timers_to_start],
        error=error_body(result.error),
        metadata=public_metadata(result.metadata),
    )

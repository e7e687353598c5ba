"""Crash recovery: run the actions of committed transitions whose outcomes were never recorded.

The commit records the planned actions with status ``pending``; ``mark_actions`` records their
outcomes after they ran. A process that died in between leaves the record pending, and
``Orchestrator.resume_pending_actions`` finds it and runs those actions again (at least once), each
with its stable idempotency key ``machine:entity:version:action_index`` in
``context["_idempotency_key"]``. Effects are not applied again: they were part of the commit.
The context the actions see is the entity's current stored context.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pystator.actions.result import ActionResult, ActionStatus
from pystator.orchestrator.running import ActionRun, arun_actions, outcomes_of, run_actions
from pystator.result import ActionSpec
from pystator.stores.records import PlannedAction, TransitionRecord

if TYPE_CHECKING:
    from pystator.orchestrator.orchestrator import Orchestrator

__all__ = ["aresume", "resume"]


def _spec(action: PlannedAction) -> ActionSpec:
    return ActionSpec(
        name=action.name,
        params=dict(action.params),
        kind=action.kind,  # type: ignore[arg-type]  # stored from an ActionSpec's kind
        definition=dict(action.definition) if action.definition is not None else None,
        phase=action.phase,  # type: ignore[arg-type]
        state=action.state,
    )


def _prepared(record: TransitionRecord) -> tuple[list[ActionSpec], list[str], ActionRun]:
    specs = [_spec(action) for action in record.actions]
    keys = [record.action_key(index) for index in range(len(specs))]
    run = ActionRun(len(specs))
    for index, spec in enumerate(specs):
        if spec.kind == "effect":
            run.by_index[index] = [
                ActionResult(
                    spec.name,
                    ActionStatus.SUCCESS,
                    reason="applied in the commit",
                    phase=spec.phase,
                    kind="effect",
                )
            ]
    return specs, keys, run


def _context(orchestrator: Orchestrator, record: TransitionRecord) -> dict[str, Any]:
    entity = orchestrator.state_store.load_entity(record.entity_id)
    return dict(entity.context) if entity is not None else {}


def resume(orchestrator: Orchestrator, before: datetime, limit: int) -> list[TransitionRecord]:
    store = orchestrator.state_store
    resumed = []
    for record in store.pending_action_records(machine=orchestrator.machine.name, before=before, limit=limit):
        specs, keys, run = _prepared(record)
        run_actions(orchestrator.executor, specs, keys, _context(orchestrator, record), run)
        resumed.append(store.mark_actions(record.entity_id, record.version, outcomes_of(run)))
    return resumed


async def aresume(orchestrator: Orchestrator, before: datetime, limit: int) -> list[TransitionRecord]:
    store = orchestrator.state_store
    asynchronous = callable(getattr(store, "apending_action_records", None))
    if asynchronous:
        records = await store.apending_action_records(
            machine=orchestrator.machine.name, before=before, limit=limit
        )
    else:
        records = store.pending_action_records(machine=orchestrator.machine.name, before=before, limit=limit)
    resumed = []
    for record in records:
        specs, keys, run = _prepared(record)
        if asynchronous:
            entity = await store.aload_entity(record.entity_id)
            context = dict(entity.context) if entity is not None else {}
        else:
            context = _context(orchestrator, record)
        await arun_actions(orchestrator.executor, specs, keys, context, run)
        if asynchronous:
            resumed.append(await store.amark_actions(record.entity_id, record.version, outcomes_of(run)))
        else:
            resumed.append(store.mark_actions(record.entity_id, record.version, outcomes_of(run)))
    return resumed

"""The Orchestrator's promises, checked on any ``TransactionalStateStore`` (needs pytest).

Subclass ``OrchestratorStoreConformance`` in a test module and provide a ``store`` fixture::

    class TestOrchestratorOnMyStore(OrchestratorStoreConformance):
        @pytest.fixture
        def store(self) -> Iterator[MyStore]:
            store = MyStore(...)
            yield store
            store.close()

Checked: events are persisted with history and action outcomes; a repeated idempotency key applies
once; concurrent writers on one entity (threads on the sync path, tasks on the async path) lose no
update and the final version equals the number of applied events (with and without an
``EntityCache``); a crash between the commit and
the actions leaves pending actions that ``resume_pending_actions`` runs with their stable keys; a
stored state the machine no longer has is refused with nothing overwritten; ``rebuild_timers``
re-arms timers from the store. Entity ids are fresh per test, so ``store`` may be shared.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from pystator.actions.registry import ActionRegistry
from pystator.errors import StaleVersionError, UndefinedStateError
from pystator.event import Event
from pystator.guards import GuardRegistry
from pystator.machine import StateMachine
from pystator.orchestrator import Orchestrator
from pystator.stores.cache import EntityCache
from pystator.stores.records import ActionsStatus, CommitResult, TransitionCommit

__all__ = ["CONFORMANCE_MACHINE", "CrashAfterCommit", "OrchestratorStoreConformance", "SimulatedCrash"]

CONFORMANCE_MACHINE: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "orchestrator_conformance"},
    "states": [
        {"name": "draft", "type": "initial"},
        {"name": "active"},
        {"name": "waiting"},
        {"name": "closed", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "activate", "source": "draft", "dest": "active", "actions": ["notify"]},
        {"trigger": "bump", "source": "active", "dest": "active", "guards": ["yield_control"],
         "actions": [{"increment": "count"}]},
        {"trigger": "wait", "source": "active", "dest": "waiting"},
        {"after": "30s", "source": "waiting", "dest": "closed"},
    ],
}  # fmt: skip

THREADS = 4
EVENTS_PER_THREAD = 15
TASKS = 30


class SimulatedCrash(BaseException):
    """Stands for the process dying right after the commit: nothing after it runs."""


class CrashAfterCommit:
    """A store proxy that commits through the real store, then 'dies' for one trigger."""

    def __init__(self, store: Any, crash_on: str) -> None:
        self._store = store
        self._crash_on = crash_on

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        result: CommitResult = self._store.commit_transition(commit)
        if commit.trigger == self._crash_on:
            raise SimulatedCrash
        return result

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult:
        result: CommitResult = await self._store.acommit_transition(commit)
        if commit.trigger == self._crash_on:
            raise SimulatedCrash
        return result


class _Rig:
    def __init__(self, store: Any, *, max_attempts: int = 200) -> None:
        self.ran: list[str] = []
        self.lock = threading.Lock()
        self.machine = StateMachine.from_dict(CONFORMANCE_MACHINE)
        self.guards = GuardRegistry()
        self.guards.register("yield_control", self._yield_control)
        self.actions = ActionRegistry()
        self.actions.register("notify", self._notify)
        self.store = store
        self.orchestrator = Orchestrator(
            self.machine, store, self.guards, self.actions, max_attempts=max_attempts
        )

    @staticmethod
    async def _yield_control(ctx: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0)  # lets the other writers read the same version first
        return True

    def _notify(self, ctx: dict[str, Any]) -> None:
        with self.lock:
            self.ran.append(ctx["_idempotency_key"])


def _sync_machine_rig(store: Any) -> _Rig:
    rig = _Rig(store)
    rig.guards.register("yield_control", lambda ctx: True)
    return rig


def _entity() -> str:
    return f"conf-{uuid.uuid4().hex[:12]}"


class OrchestratorStoreConformance:
    """Provide a ``store`` fixture (a ``TransactionalStateStore``)."""

    async def test_events_are_persisted_with_history_and_action_outcomes(self, store: Any) -> None:
        rig = _Rig(store)
        entity = _entity()
        result = await rig.orchestrator.async_process_event(entity, "activate", {"owner": "ann"})
        assert result.success and result.metadata["version"] == 1
        assert (await rig.orchestrator.async_process_event(entity, "bump")).metadata["version"] == 2
        record = await store.aload_entity(entity)
        assert (record.state, record.version, record.machine) == ("active", 2, "orchestrator_conformance")
        assert record.context == {"owner": "ann", "count": 1}
        history = await store.ahistory(entity)
        assert [(h.from_state, h.to_state, h.trigger) for h in history] == [
            ("draft", "active", "activate"),
            ("active", "active", "bump"),
        ]
        assert history[0].actions_status is ActionsStatus.DONE
        assert rig.ran == [f"orchestrator_conformance:{entity}:1:0"]

    def test_sync_path(self, store: Any) -> None:
        rig = _sync_machine_rig(store)
        entity = _entity()
        assert rig.orchestrator.process_event(entity, "activate").success
        assert rig.orchestrator.process_event(entity, "bump").metadata["version"] == 2
        assert store.get_state_versioned(entity) == ("active", 2)

    async def test_a_repeated_idempotency_key_applies_once(self, store: Any) -> None:
        rig = _Rig(store)
        entity = _entity()
        event = Event.simple("activate")
        first = await rig.orchestrator.async_process_event(entity, event)
        again = await rig.orchestrator.async_process_event(entity, event)
        assert first.success and again.metadata["duplicate"] is True
        await rig.orchestrator.async_process_event(entity, "bump", idempotency_key="bump-1")
        await rig.orchestrator.async_process_event(entity, "bump", idempotency_key="bump-1")
        assert await store.aget_state_versioned(entity) == ("active", 2)
        assert (await store.aload_entity(entity)).context == {"count": 1}
        assert len(rig.ran) == 1

    async def test_concurrent_tasks_lose_no_update(self, store: Any) -> None:
        rig = _Rig(store)
        entity = _entity()
        await rig.orchestrator.async_process_event(entity, "activate")
        outcomes = await asyncio.gather(
            *(rig.orchestrator.async_process_event(entity, "bump") for _ in range(TASKS)),
            return_exceptions=True,
        )
        applied = [o.metadata["version"] for o in outcomes if not isinstance(o, BaseException)]
        assert all(isinstance(o, StaleVersionError) for o in outcomes if isinstance(o, BaseException))
        assert sorted(applied) == list(range(2, len(applied) + 2))
        record = await store.aload_entity(entity)
        assert record.version == len(applied) + 1
        assert record.context == {"count": len(applied)}

    def test_concurrent_threads_lose_no_update(self, store: Any) -> None:
        rig = _sync_machine_rig(store)
        entity = _entity()
        rig.orchestrator.process_event(entity, "activate")
        applied: list[int] = []
        conflicts: list[StaleVersionError] = []
        barrier = threading.Barrier(THREADS)

        def writer() -> None:
            barrier.wait()
            for _ in range(EVENTS_PER_THREAD):
                try:
                    applied.append(rig.orchestrator.process_event(entity, "bump").metadata["version"])
                except StaleVersionError as exc:
                    conflicts.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(applied) + len(conflicts) == THREADS * EVENTS_PER_THREAD
        assert sorted(applied) == list(range(2, len(applied) + 2))
        assert store.get_state_versioned(entity) == ("active", len(applied) + 1)
        assert store.get_context(entity) == {"count": len(applied)}

    async def test_an_entity_cache_with_concurrent_writers_loses_no_update(self, store: Any) -> None:
        rig = _Rig(store)
        cached = Orchestrator(
            rig.machine, store, rig.guards, rig.actions, max_attempts=200, entity_cache=EntityCache()
        )
        entity = _entity()
        await cached.async_process_event(entity, "activate")
        outcomes = await asyncio.gather(
            *(
                (cached if index % 2 else rig.orchestrator).async_process_event(entity, "bump")
                for index in range(TASKS)
            ),
            return_exceptions=True,
        )
        applied = [o for o in outcomes if not isinstance(o, BaseException)]
        record = await store.aload_entity(entity)
        assert record.version == len(applied) + 1
        assert record.context == {"count": len(applied)}

    async def test_a_crash_between_persist_and_act_is_resumed(self, store: Any) -> None:
        entity = _entity()
        doomed = _Rig(CrashAfterCommit(store, crash_on="activate"))
        with pytest.raises(SimulatedCrash):
            await doomed.orchestrator.async_process_event(entity, "activate")
        assert doomed.ran == []
        assert await store.aget_state_versioned(entity) == ("active", 1)

        recovered = _Rig(store)
        resumed = await recovered.orchestrator.aresume_pending_actions(older_than_s=0, limit=1000)
        mine = [record for record in resumed if record.entity_id == entity]
        assert len(mine) == 1 and mine[0].actions_status is ActionsStatus.DONE
        assert recovered.ran == [f"orchestrator_conformance:{entity}:1:0"]
        transition = await store.aget_transition(entity, 1)
        assert transition.actions_status is ActionsStatus.DONE

    async def test_a_state_the_machine_no_longer_has_is_refused(self, store: Any) -> None:
        rig = _Rig(store)
        entity = _entity()
        await store.aset_state(entity, "retired_state")
        with pytest.raises(UndefinedStateError, match="retired_state"):
            await rig.orchestrator.async_process_event(entity, "activate")
        assert await store.aget_state_versioned(entity) == ("retired_state", 1)

    async def test_rebuild_timers_from_the_store(self, store: Any) -> None:
        from pystator.scheduler import AsyncioScheduler
        from pystator.testing.clock import FakeClock

        entity = _entity()
        rig = _Rig(store)
        await rig.orchestrator.async_process_event(entity, "activate")
        await rig.orchestrator.async_process_event(entity, "wait")

        clock = FakeClock()
        scheduler = AsyncioScheduler(clock=clock)
        restarted = Orchestrator(rig.machine, store, rig.guards, rig.actions, scheduler=scheduler)
        await restarted.rebuild_timers()
        tasks = await scheduler.get_pending_tasks(entity)
        assert [t.task_id for t in tasks] == [
            f"timer/orchestrator_conformance/{entity}/v2/waiting%3Aafter%3A30000"
        ]
        await clock.advance(30_000)
        assert await store.aget_state_versioned(entity) == ("closed", 3)
        await restarted.close()

"""A crash between the commit and the actions leaves pending actions that recovery runs."""

from __future__ import annotations

from typing import Any

import pytest

from pystator import ActionRegistry, GuardRegistry, InMemoryStateStore, Orchestrator, StateMachine
from pystator.stores import ActionsStatus, CommitResult, TransitionCommit


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs."""


class CrashAfterCommit(InMemoryStateStore):
    """Commits, then 'dies' before the Orchestrator gets to run the actions (for ``crash_on``)."""

    def __init__(self, crash_on: str) -> None:
        super().__init__()
        self.crash_on = crash_on

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        committed = super().commit_transition(commit)
        if commit.trigger == self.crash_on:
            raise Crash
        return committed


def registries(ran: list[tuple[str, str]]) -> tuple[GuardRegistry, ActionRegistry]:
    guards = GuardRegistry()
    guards.register("is_full_fill", lambda ctx: True)
    actions = ActionRegistry()
    actions.register("notify", lambda ctx: ran.append(("notify", ctx["_idempotency_key"])))
    return guards, actions


def test_resume_pending_actions_runs_what_a_crash_left(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.order)
    store = CrashAfterCommit(crash_on="touch")
    ran: list[tuple[str, str]] = []
    guards, actions = registries(ran)
    doomed = Orchestrator(machine, store, guards, actions)
    doomed.process_event("o-1", "exchange_ack")
    with pytest.raises(Crash):
        doomed.process_event("o-1", "touch")
    # only the first event's actions ran; the second transition is committed, its actions pending
    assert ran == [("notify", "order_management:o-1:1:0")]
    assert store.get_state_versioned("o-1") == ("open", 2)
    assert store.get_context("o-1") == {"touches": 1}  # the effect was part of the commit
    [pending] = store.pending_action_records()
    assert pending.version == 2 and pending.actions_status is ActionsStatus.PENDING

    recovered = Orchestrator(machine, store, guards, actions)
    assert recovered.resume_pending_actions(older_than_s=3600) == []  # too recent: maybe still running
    [record] = recovered.resume_pending_actions(older_than_s=0)
    assert record.version == 2 and record.actions_status is ActionsStatus.DONE
    assert ran[1:] == [("notify", "order_management:o-1:2:0")]
    assert [o.name for o in record.action_outcomes] == ["notify", "increment"]
    assert store.get_context("o-1") == {"touches": 1}  # the effect was not applied twice
    assert store.pending_action_records() == []
    assert recovered.resume_pending_actions(older_than_s=0) == []


async def test_async_resume(configs: Any) -> None:
    machine = StateMachine.from_dict(configs.order)
    store = CrashAfterCommit(crash_on="exchange_ack")
    ran: list[tuple[str, str]] = []
    guards, actions = registries(ran)
    with pytest.raises(Crash):
        await Orchestrator(machine, store, guards, actions).async_process_event("o-1", "exchange_ack")
    assert ran == []
    [record] = await Orchestrator(machine, store, guards, actions).aresume_pending_actions(older_than_s=0)
    assert record.actions_status is ActionsStatus.DONE
    assert ran == [("notify", "order_management:o-1:1:0")]


def test_recovery_needs_a_transactional_store(configs: Any) -> None:
    class Plain:
        def get_state(self, entity_id: str) -> str | None:
            return None

        def set_state(self, entity_id: str, state: str, *, metadata: Any = None) -> None:
            pass

        def get_context(self, entity_id: str) -> dict[str, Any]:
            return {}

    orchestrator = Orchestrator(StateMachine.from_dict(configs.counter), Plain())
    with pytest.raises(TypeError, match="TransactionalStateStore"):
        orchestrator.resume_pending_actions()

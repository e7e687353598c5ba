"""Submitting, applying and reading events end to end, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pystator_worker import EventOutcome, EventQueue, EventStatus, Worker

from .conftest import counter_machine, order_machine


async def test_submit_returns_an_id_and_the_event_is_pending(queue: EventQueue) -> None:
    event_id = await queue.asubmit_event("o-1", "submit", {"qty": 1}, machine="order")
    info = await queue.aget_event(event_id)
    assert info is not None
    assert info.status is EventStatus.PENDING
    assert (info.entity_id, info.trigger, info.machine, dict(info.payload)) == (
        "o-1",
        "submit",
        "order",
        {"qty": 1},
    )
    assert info.attempts == 0
    assert await queue.aget_event("no-such-event") is None


async def test_a_repeated_idempotency_key_returns_the_first_id(queue: EventQueue) -> None:
    first = await queue.asubmit_event("o-1", "submit", machine="order", idempotency_key="k1")
    again = await queue.asubmit_event("o-1", "submit", {"other": True}, machine="order", idempotency_key="k1")
    other_entity = await queue.asubmit_event("o-2", "submit", machine="order", idempotency_key="k1")
    assert again == first
    assert other_entity != first
    assert len(await queue.alist_events()) == 2


async def test_bad_submissions_name_the_field(queue: EventQueue) -> None:
    with pytest.raises(ValueError, match="entity_id"):
        await queue.asubmit_event("", "submit")
    with pytest.raises(ValueError, match="trigger"):
        await queue.asubmit_event("o-1", "")
    with pytest.raises(ValueError, match="payload"):
        await queue.asubmit_event("o-1", "submit", {"when": object()})
    with pytest.raises(ValueError, match="delay"):
        await queue.asubmit_event("o-1", "submit", delay=-1)


async def test_the_worker_applies_events_and_runs_actions_after_the_commit(queue: EventQueue) -> None:
    calls: list[str] = []
    worker = Worker({"order": order_machine(calls)}, queue=queue, concurrency=2, poll_interval=0.05)
    submitted = await queue.asubmit_event("o-1", "submit", {"qty": 2}, machine="order")
    filled = await queue.asubmit_event("o-1", "fill", machine="order")
    stats = await worker.run(drain=True)
    assert stats.applied == 2
    info = await queue.aget_event(submitted)
    assert info is not None
    assert (info.status, info.outcome, info.attempts) == (EventStatus.DONE, EventOutcome.APPLIED, 1)
    assert info.result["target_state"] == "open"
    assert info.finished_at is not None
    done = await queue.aget_event(filled)
    assert done is not None and done.result == {
        "source_state": "open",
        "target_state": "filled",
        "version": 2,
    }
    assert calls == ["order:o-1:1:0"]


async def test_a_guard_rejection_is_a_result_not_an_error(queue: EventQueue) -> None:
    worker = Worker(order_machine(), queue=queue, poll_interval=0.05)
    await queue.asubmit_event("o-1", "submit", {"qty": 0})
    rejected = await queue.asubmit_event("o-1", "fill")
    await worker.run(drain=True)
    info = await queue.aget_event(rejected)
    assert info is not None
    assert (info.status, info.outcome) == (EventStatus.DONE, EventOutcome.REJECTED)
    assert info.result["reason"] == "guard_rejected"
    assert await queue.adead_letters() == []


async def test_delayed_events_wait(queue: EventQueue) -> None:
    worker = Worker(counter_machine(), queue=queue, poll_interval=0.05)
    later = await queue.asubmit_event("c-1", "tick", delay=timedelta(hours=1))
    now = await queue.asubmit_event("c-2", "tick")
    claim = await (await queue.backend()).claim()
    assert claim is not None and claim.event.event_id == now
    await worker.apply(claim)
    assert (await (await queue.backend()).claim()) is None
    info = await queue.aget_event(later)
    assert info is not None and info.status is EventStatus.PENDING

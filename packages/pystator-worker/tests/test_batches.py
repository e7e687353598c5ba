"""Batches: several entities' events applied in one transaction on PostgreSQL (one at a time on SQLite)."""

from __future__ import annotations

import asyncio
from typing import Any

from pystator import StateMachine
from pystator_worker import EventOutcome, EventQueue, EventStatus, Worker

from .conftest import ORDER, order_machine

MIXED: dict[str, Any] = {
    **ORDER,
    "meta": {"machine_name": "order"},
    "transitions": [
        *ORDER["transitions"],
        {"trigger": "count", "source": ["new", "open"], "dest": "open", "actions": [{"increment": "n"}]},
    ],
}


async def test_a_batch_holds_the_oldest_event_of_distinct_entities(queue: EventQueue) -> None:
    ids = {}
    for entity in ("a", "b", "a", "c", "b"):
        ids.setdefault(entity, []).append(await queue.asubmit_event(entity, "submit", machine="order"))
    backend = await queue.backend()
    batch = await backend.claim_batch(10)
    assert batch is not None
    claimed = [claim.event.event_id for claim in batch.claims]
    if backend.dialect == "postgresql":
        assert claimed == [ids["a"][0], ids["b"][0], ids["c"][0]]
    else:
        assert claimed == [ids["a"][0]]
    await batch.close()


async def test_declined_failed_and_applied_events_share_one_commit(queue: EventQueue) -> None:
    machine = StateMachine.from_dict(MIXED)
    applied = await queue.asubmit_event("a", "count", machine="order")
    failed = await queue.asubmit_event("b", "explode", machine="order")
    declined = await queue.asubmit_event("c", "fill", machine="order")  # not valid from "new"
    stats = await Worker(machine, queue=queue, poll_interval=0.02, batch_size=10).run(drain=True)
    assert (stats.applied, stats.failed, stats.declined) == (1, 1, 1)
    states = {e: (await queue.aget_event(e)).status for e in (applied, failed, declined)}  # type: ignore[union-attr]
    assert states == {applied: EventStatus.DONE, failed: EventStatus.FAILED, declined: EventStatus.DONE}
    info = await queue.aget_event(declined)
    assert info is not None and info.outcome is EventOutcome.REJECTED


async def test_an_event_with_actions_commits_early_and_the_rest_of_its_batch_waits(queue: EventQueue) -> None:
    calls: list[str] = []
    first = await queue.asubmit_event("a", "submit", machine="order")  # runs the notify action
    second = await queue.asubmit_event("b", "submit", machine="order")
    backend = await queue.backend()
    batch = await backend.claim_batch(10)
    assert batch is not None
    worker = Worker(order_machine(calls), queue=queue, poll_interval=0.02, batch_size=10)
    await worker.apply_batch(batch)
    assert calls == ["order:a:1:0"]
    assert (await queue.aget_event(first)).status is EventStatus.DONE  # type: ignore[union-attr]
    assert (await queue.aget_event(second)).status is EventStatus.PENDING  # type: ignore[union-attr]
    await worker.run(drain=True)
    assert calls == ["order:a:1:0", "order:b:1:0"]


async def test_a_transient_error_in_a_batch_retries_only_that_event(queue: EventQueue) -> None:
    for entity in ("a", "b"):
        await queue.asubmit_event(entity, "submit", {"qty": 1}, machine="order")
    await Worker(order_machine(), queue=queue, poll_interval=0.02).run(drain=True)
    flaky = await queue.asubmit_event("a", "flaky", machine="order")
    fine = await queue.asubmit_event("b", "bump", machine="order")
    worker = Worker(
        order_machine(flaky=[True, False]),
        queue=queue,
        poll_interval=0.02,
        backoff_base=0.01,
        backoff_max=0.02,
        batch_size=10,
    )
    stats = await worker.run(drain=True)
    assert stats.retried == 1 and stats.applied == 2
    info = await queue.aget_event(flaky)
    assert info is not None and (info.status, info.attempts) == (EventStatus.DONE, 2)
    other = await queue.aget_event(fine)
    assert other is not None and other.status is EventStatus.DONE
    await asyncio.sleep(0)


async def test_a_queued_write_that_does_not_apply_rolls_its_batch_back_and_is_redone_alone(
    queue: EventQueue,
) -> None:
    """A new entity's transition is queued (no row to lock); should someone outside the queue create
    the entity before the batch's write, the write does not apply: nothing of the batch is kept, and
    the events apply again, this one on top of what the other writer committed."""
    backend = await queue.backend()
    if backend.dialect != "postgresql":
        return
    from pystator.orchestrator import Orchestrator
    from pystator_stores.postgres import PostgresStateStore

    from .conftest import counter_machine

    racing = await queue.asubmit_event("x", "tick", machine="counter")
    other = await queue.asubmit_event("y", "tick", machine="counter")
    batch = await backend.claim_batch(10)
    assert batch is not None and len(batch.claims) == 2
    store = PostgresStateStore(queue.url)
    try:
        outside = Orchestrator(counter_machine(), store)
        await outside.async_process_event("x", "tick")  # version 1, written outside the queue
        worker = Worker(counter_machine(), queue=queue, poll_interval=0.02, batch_size=10)
        await worker.apply_batch(batch)
        assert worker.stats.applied == 0
        for event_id in (racing, other):
            info = await queue.aget_event(event_id)
            assert info is not None and (info.status, info.attempts) == (EventStatus.PENDING, 0)
        assert [t.version for t in await store.ahistory("y")] == []
        await worker.run(drain=True)
        assert worker.stats.applied == 2
        assert [t.version for t in await store.ahistory("x")] == [1, 2]
        assert [t.version for t in await store.ahistory("y")] == [1]
        info = await queue.aget_event(racing)
        assert info is not None and info.status is EventStatus.DONE and info.result["version"] == 2
        entity = await store.aload_entity("x")
        assert entity is not None and entity.context.get("n") == 2
    finally:
        await store.aclose()


async def test_a_batch_whose_write_the_server_refuses_is_redone_one_event_at_a_time(
    queue: EventQueue,
) -> None:
    """The server refuses one queued transition (here a CHECK constraint on the history): the batch
    rolls back, and its entities' events are then written one at a time, so that the refused one is
    retried and dead-lettered on its own while the other applies."""
    backend = await queue.backend()
    if backend.dialect != "postgresql":
        return
    await queue.asubmit_event("warm", "tick", machine="counter")  # creates the tables
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "counter"},
            "states": [{"name": "idle", "type": "initial"}, {"name": "busy"}],
            "transitions": [
                {"trigger": "tick", "source": ["idle", "busy"], "dest": "busy"},
                {"trigger": "boom", "source": ["idle", "busy"], "dest": "busy"},
            ],
        }
    )
    worker = Worker(
        machine, queue=queue, poll_interval=0.02, max_attempts=2, backoff_base=0.01, backoff_max=0.02
    )
    await worker.run(drain=True)
    async with backend.pool.acquire() as conn:  # type: ignore[attr-defined]
        await conn.execute(
            "ALTER TABLE pystator_transitions ADD CONSTRAINT no_boom CHECK (trigger <> 'boom')"
        )
    fine = await queue.asubmit_event("a", "tick", machine="counter")
    refused = await queue.asubmit_event("b", "boom", machine="counter")
    stats = await Worker(
        machine, queue=queue, poll_interval=0.02, max_attempts=2, backoff_base=0.01, backoff_max=0.02
    ).run(drain=True)
    assert stats.applied == 1 and stats.dead == 1
    done = await queue.aget_event(fine)
    assert done is not None and done.status is EventStatus.DONE and done.attempts == 1
    dead = await queue.aget_event(refused)
    assert dead is not None and (dead.status, dead.attempts) == (EventStatus.DEAD, 2)
    assert "no_boom" in (dead.last_error or "")
    assert await queue.adead_letter(refused) is not None

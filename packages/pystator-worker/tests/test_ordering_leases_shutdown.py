"""Per-entity order under concurrency, leases of processing events, recovery after a dead worker,
heartbeats, and graceful shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

from pystator import StateMachine
from pystator_worker import EventQueue, EventStatus, Worker

from .conftest import COUNTER, counter_machine

SLOW: dict[str, Any] = {
    "meta": {"machine_name": "slow"},
    "states": [{"name": "idle", "type": "initial"}, {"name": "busy"}],
    "transitions": [{"trigger": "go", "source": ["idle", "busy"], "dest": "busy", "actions": ["work"]}],
}


def slow_machine(gate: asyncio.Event, calls: list[str], started: asyncio.Event | None = None) -> StateMachine:
    machine = StateMachine.from_dict(SLOW)

    @machine.action("work")
    async def work(ctx: dict[str, Any]) -> None:
        calls.append(str(ctx["_idempotency_key"]))
        if started is not None:
            started.set()
        await gate.wait()

    return machine


async def _history_keys(queue: EventQueue, entity_id: str) -> list[str]:
    from pystator_stores import open_store

    store = open_store(queue.url, migrate=False)
    try:
        return [str(t.idempotency_key) for t in await store.ahistory(entity_id, limit=1000)]
    finally:
        await store.aclose()


async def test_each_entity_applies_its_events_in_submission_order(queue: EventQueue) -> None:
    submitted: dict[str, list[str]] = {f"c-{i}": [] for i in range(5)}
    for _ in range(12):
        for entity, ids in submitted.items():
            ids.append(await queue.asubmit_event(entity, "tick"))
    stats = await Worker(counter_machine(), queue=queue, concurrency=6, poll_interval=0.02).run(drain=True)
    assert stats.applied == 60
    for entity, ids in submitted.items():
        assert await _history_keys(queue, entity) == [f"event:{eid}" for eid in ids]


async def test_one_entity_is_never_processed_concurrently(queue: EventQueue) -> None:
    first = await queue.asubmit_event("c-1", "tick")
    second = await queue.asubmit_event("c-1", "tick")
    other = await queue.asubmit_event("c-2", "tick")
    backend = await queue.backend()
    held = await backend.claim()
    assert held is not None and held.event.event_id == first
    if backend.dialect == "postgresql":  # SQLite serialises whole claims: there is no second claimer
        parallel = await backend.claim()
        assert parallel is not None and parallel.event.event_id == other  # never `second`
        await parallel.release()
    await held.release()  # released unprocessed: the event is pending again, first in line
    info = await queue.aget_event(second)
    assert info is not None and info.status is EventStatus.PENDING
    again = await backend.claim()
    assert again is not None and again.event.event_id == first
    await again.release()


async def test_actions_run_after_the_commit_under_a_lease_and_a_dead_workers_lease_is_reclaimed(
    queue: EventQueue,
) -> None:
    gate, calls, started = asyncio.Event(), [], asyncio.Event()
    event_id = await queue.asubmit_event("s-1", "go")
    crashed = Worker(slow_machine(gate, calls, started), queue=queue, poll_interval=0.02, lease_seconds=30)
    task = asyncio.create_task(crashed.run())
    await started.wait()
    info = await queue.aget_event(event_id)
    assert info is not None and info.status is EventStatus.PROCESSING  # committed, actions in flight
    assert info.result["target_state"] == "busy"
    task.cancel()  # the worker dies with its action unfinished
    await asyncio.gather(task, return_exceptions=True)

    rescuer = Worker(slow_machine(gate, calls), queue=queue, poll_interval=0.02, lease_seconds=30)
    assert await rescuer.recover() == 0  # the lease has not expired: nobody takes it over
    await _expire_leases(queue)
    gate.set()
    assert await rescuer.recover() == 1
    assert calls == ["slow:s-1:1:0", "slow:s-1:1:0"]  # at least once, with the same idempotency key
    done = await queue.aget_event(event_id)
    assert done is not None and done.status is EventStatus.DONE
    assert await _history_keys(queue, "s-1") == [f"event:{event_id}"]  # the transition applied once


async def test_the_heartbeat_extends_the_leases_of_live_workers(queue: EventQueue) -> None:
    gate, calls, started = asyncio.Event(), [], asyncio.Event()
    await queue.asubmit_event("s-1", "go")
    live = Worker(slow_machine(gate, calls, started), queue=queue, poll_interval=0.02, lease_seconds=30)
    task = asyncio.create_task(live.run())
    await started.wait()
    await _expire_leases(queue)
    backend = await queue.backend()
    await backend.heartbeat(live.worker_id, lease_seconds=30, processed=0, failed=0)
    other = Worker(slow_machine(gate, calls), queue=queue, poll_interval=0.02)
    assert await other.recover() == 0
    gate.set()
    live.stop()
    await task


async def test_stop_finishes_in_flight_work_and_claims_nothing_new(queue: EventQueue) -> None:
    gate, calls, started = asyncio.Event(), [], asyncio.Event()
    first = await queue.asubmit_event("s-1", "go")
    waiting = await queue.asubmit_event("s-2", "go")
    worker = Worker(slow_machine(gate, calls, started), queue=queue, poll_interval=0.02, concurrency=1)
    task = asyncio.create_task(worker.run())
    await started.wait()
    worker.stop()
    await asyncio.sleep(0.05)
    assert not task.done()  # still finishing the event in flight
    gate.set()
    stats = await task
    assert stats.applied == 1
    assert (await queue.aget_event(first)).status is EventStatus.DONE  # type: ignore[union-attr]
    assert (await queue.aget_event(waiting)).status is EventStatus.PENDING  # type: ignore[union-attr]
    metrics = await queue.ametrics()
    assert metrics.workers == ()  # it reported itself stopped


async def test_metrics_and_retention(queue: EventQueue) -> None:
    for i in range(3):
        await queue.asubmit_event(f"c-{i}", "tick")
    await queue.asubmit_event("c-9", "tick", delay=3600)
    before = await queue.ametrics()
    assert before.depth == {"pending": 4}
    assert before.ready == 3 and before.lag_seconds >= 0
    worker = Worker(StateMachine.from_dict(COUNTER), queue=queue, poll_interval=0.02)
    task = asyncio.create_task(worker.run())
    for _ in range(1000):  # until the worker has taken the ready events
        if not (await queue.ametrics()).ready:
            break
        await asyncio.sleep(0.01)
    during = await queue.ametrics()
    assert [w.worker_id for w in during.workers] == [worker.worker_id]
    worker.stop()
    await task
    after = await queue.ametrics(window_seconds=60)
    assert after.depth == {"done": 3, "pending": 1}
    assert after.finished_in_window == 3 and after.throughput_per_second == 3 / 60
    assert after.to_dict()["ready"] == 0
    assert await queue.apurge(older_than=3600) == 0
    assert await queue.apurge(older_than=0) == 3
    assert (await queue.ametrics()).depth == {"pending": 1}


async def _expire_leases(queue: EventQueue) -> None:
    """Move every lease into the past: what the passing of ``lease_seconds`` does, without waiting."""
    backend = await queue.backend()
    if backend.dialect == "postgresql":
        from pystator_worker.postgres import PostgresBackend

        assert isinstance(backend, PostgresBackend)
        await backend.pool.execute(
            "UPDATE worker_events SET lease_expires_at = now() - interval '1 second' "
            "WHERE status = 'processing'"
        )
    else:
        from pystator_worker.sqlite import SQLiteBackend

        assert isinstance(backend, SQLiteBackend)
        await backend._write(
            lambda c: (
                c.execute(
                    "UPDATE worker_events SET lease_expires_at = 0 WHERE status = 'processing'"
                ).rowcount
            )
        )

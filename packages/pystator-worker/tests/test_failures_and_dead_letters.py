"""Bad input, transient errors, retries with backoff, dead letters (list, inspect, replay, discard)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pystator_worker import EventOutcome, EventQueue, EventStatus, Worker

from .conftest import order_machine


def fast_worker(queue: EventQueue, **options: object) -> Worker:
    settings: dict[str, object] = {"poll_interval": 0.02, "backoff_base": 0.01, "backoff_max": 0.02}
    settings.update(options)
    return Worker({"order": order_machine(flaky=settings.pop("flaky", None))}, queue=queue, **settings)  # type: ignore[arg-type]


async def test_bad_input_fails_at_once_with_its_reason(queue: EventQueue) -> None:
    unknown_machine = await queue.asubmit_event("o-1", "submit", machine="invoice")
    unknown_trigger = await queue.asubmit_event("o-2", "explode", machine="order")
    await queue.asubmit_event("o-3", "submit", {"qty": 1}, machine="order")
    bad_payload = await queue.asubmit_event("o-3", "bump", {"qty": "three"}, machine="order")
    stats = await fast_worker(queue).run(drain=True)
    assert stats.failed == 3
    for event_id, words in (
        (unknown_machine, ("unknown machine 'invoice'", "order")),
        (unknown_trigger, ("undefined_trigger", "explode")),
        (bad_payload, ("context_validation", "qty")),
    ):
        info = await queue.aget_event(event_id)
        assert info is not None
        assert info.status is EventStatus.FAILED
        assert info.attempts == 1
        assert info.last_error is not None
        for word in words:
            assert word in info.last_error
        letter = await queue.adead_letter(event_id)
        assert letter is not None and letter.reason is EventStatus.FAILED
    assert len(await queue.adead_letters()) == 3


async def test_a_failed_event_does_not_block_its_entity_or_others(queue: EventQueue) -> None:
    first = await queue.asubmit_event("o-1", "explode", machine="order")
    then = await queue.asubmit_event("o-1", "submit", {"qty": 1}, machine="order")
    other = await queue.asubmit_event("o-2", "submit", {"qty": 1}, machine="order")
    await fast_worker(queue).run(drain=True)
    statuses = [(await queue.aget_event(e)).status for e in (first, then, other)]  # type: ignore[union-attr]
    assert statuses == [EventStatus.FAILED, EventStatus.DONE, EventStatus.DONE]


async def test_transient_errors_are_retried_with_backoff_then_succeed(queue: EventQueue) -> None:
    await queue.asubmit_event("o-1", "submit", {"qty": 1}, machine="order")
    flaky = await queue.asubmit_event("o-1", "flaky", machine="order")
    later = await queue.asubmit_event("o-1", "bump", machine="order")
    stats = await fast_worker(queue, flaky=[True, True, False]).run(drain=True)
    assert stats.retried == 2
    info = await queue.aget_event(flaky)
    assert info is not None
    assert (info.status, info.outcome, info.attempts) == (EventStatus.DONE, EventOutcome.APPLIED, 3)
    assert info.last_error is None
    after = await queue.aget_event(later)
    assert after is not None and after.result["source_state"] == "filled"  # applied after the retried one


async def test_persistent_transient_errors_go_dead_then_replay_and_discard(queue: EventQueue) -> None:
    await queue.asubmit_event("o-1", "submit", {"qty": 1}, machine="order")
    doomed = await queue.asubmit_event("o-1", "flaky", machine="order")
    stats = await fast_worker(queue, flaky=[True] * 3, max_attempts=3).run(drain=True)
    assert (stats.retried, stats.dead) == (2, 1)
    info = await queue.aget_event(doomed)
    assert info is not None
    assert (info.status, info.attempts) == (EventStatus.DEAD, 3)
    assert info.last_error is not None and "downstream service unavailable" in info.last_error
    letters = await queue.adead_letters()
    assert [letter.event.event_id for letter in letters] == [doomed]
    assert letters[0].reason is EventStatus.DEAD and letters[0].attempts == 3

    assert await queue.areplay(doomed)
    replayed = await queue.aget_event(doomed)
    assert replayed is not None and (replayed.status, replayed.attempts) == (EventStatus.PENDING, 0)
    assert await queue.adead_letters() == []
    assert not await queue.areplay(doomed)  # no dead letter any more
    await fast_worker(queue).run(drain=True)
    done = await queue.aget_event(doomed)
    assert done is not None and (done.status, done.result["target_state"]) == (EventStatus.DONE, "filled")

    gone = await queue.asubmit_event("o-9", "explode", machine="order")
    await fast_worker(queue).run(drain=True)
    assert await queue.adiscard(gone)
    assert not await queue.adiscard(gone)
    assert await queue.adead_letter(gone) is None
    still = await queue.aget_event(gone)
    assert still is not None and still.status is EventStatus.FAILED


async def test_dead_letters_page_in_order(queue: EventQueue) -> None:
    ids = [await queue.asubmit_event(f"o-{i}", "explode", machine="order") for i in range(5)]
    await fast_worker(queue).run(drain=True)
    first = await queue.adead_letters(limit=2)
    rest = await queue.adead_letters(limit=10, after=first[-1].event.event_id)
    assert sorted(letter.event.event_id for letter in first + rest) == sorted(ids)
    assert len(first) == 2 and len(rest) == 3


async def test_a_worker_on_the_same_queue_wakes_for_a_submitted_or_replayed_event(queue: EventQueue) -> None:
    """No wait for the poll interval: SQLite hints the worker of its own process, PostgreSQL NOTIFYs."""
    worker = Worker({"order": order_machine()}, queue=queue, poll_interval=60.0)
    running = asyncio.create_task(worker.run(handle_signals=False))
    try:
        await asyncio.sleep(0.3)  # the worker is idle, waiting for work
        doomed = await queue.asubmit_event("o-1", "explode", machine="order")
        await _until(lambda: _status(queue, doomed), EventStatus.FAILED)
        assert await queue.areplay(doomed)
        await _until(lambda: _letter_count(queue), 1)
    finally:
        worker.stop()
        await asyncio.wait_for(running, 10)


async def _status(queue: EventQueue, event_id: str) -> object:
    info = await queue.aget_event(event_id)
    return None if info is None else info.status


async def _letter_count(queue: EventQueue) -> object:
    return len(await queue.adead_letters())


async def _until(read: Callable[[], Awaitable[object]], want: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while (seen := await read()) != want:
        assert asyncio.get_running_loop().time() < deadline, f"expected {want!r}, still {seen!r}"
        await asyncio.sleep(0.02)

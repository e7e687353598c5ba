"""One session shared by several threads and tasks: every send is applied exactly once, in a
serial order, and version, history and context agree at the end."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from pystator import EntitySession, StateMachine

THREADS = 8
SENDS = 100


def _counter() -> StateMachine:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": "shared_counter", "version": "1", "strict_mode": True},
            "states": [{"name": "ready", "type": "initial"}],
            "transitions": [
                {
                    "trigger": "tick",
                    "source": "ready",
                    "dest": "ready",
                    "guards": ["slow_ok"],
                    "actions": [{"increment": "ticks"}, "record"],
                }
            ],
        }
    )
    return machine


def _check_consistent(session: EntitySession, expected: int, order: list[int]) -> None:
    assert session.version == expected
    assert len(session.history) == expected
    assert session.context["ticks"] == expected
    # every action saw the counter one higher than the one before: no lost or doubled update
    assert order == list(range(1, expected + 1))


def test_threads_sending_to_one_session() -> None:
    machine = _counter()
    machine.guard_registry.register("slow_ok", lambda ctx: True)
    order: list[int] = []

    def record(ctx: dict[str, Any]) -> None:
        order.append(ctx["ticks"])

    machine.action_registry.register("record", record)
    session = machine.create(execute_actions=True, context={"ticks": 0})
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(worker_id: int) -> None:
        try:
            barrier.wait()
            for _ in range(SENDS):
                assert session.send("tick", last_worker=worker_id).success
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _check_consistent(session, THREADS * SENDS, order)


async def test_tasks_sending_to_one_session_with_async_guards() -> None:
    machine = _counter()

    async def slow_ok(ctx: Any) -> bool:
        await asyncio.sleep(0)  # let every other task run in the middle of the send
        return True

    machine.guard_registry.register("slow_ok", slow_ok)
    order: list[int] = []
    machine.action_registry.register("record", lambda ctx: order.append(ctx["ticks"]))
    session = machine.create(execute_actions=True, context={"ticks": 0})

    async def worker() -> None:
        for _ in range(SENDS // 4):
            assert (await session.asend("tick")).success

    await asyncio.gather(*(worker() for _ in range(THREADS)))
    _check_consistent(session, THREADS * (SENDS // 4), order)


def test_threads_and_event_loops_mixed() -> None:
    """Sync senders on threads and async senders on two event loops (each in its own thread)."""
    machine = _counter()
    gate = threading.Event()

    async def slow_ok(ctx: Any) -> bool:
        await asyncio.sleep(0)
        return True

    def sync_ok(ctx: Any) -> bool:
        return True

    order: list[int] = []
    machine.action_registry.register("record", lambda ctx: order.append(ctx["ticks"]))
    machine.guard_registry.register("slow_ok", _either(slow_ok, sync_ok))
    session = machine.create(execute_actions=True, context={"ticks": 0})
    per_sender = 40

    def loop_sender() -> None:
        async def run() -> None:
            gate.wait()
            await asyncio.gather(*(_asend_many(session, per_sender) for _ in range(3)))

        asyncio.run(run())

    def thread_sender() -> None:
        gate.wait()
        for _ in range(per_sender):
            assert session.send("tick").success

    threads = [threading.Thread(target=loop_sender) for _ in range(2)]
    threads += [threading.Thread(target=thread_sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    _check_consistent(session, (2 * 3 + 3) * per_sender, order)


async def _asend_many(session: EntitySession, count: int) -> None:
    for _ in range(count):
        assert (await session.asend("tick")).success


def _either(async_guard: Callable[[Any], Any], sync_guard: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """A guard that is async when an event loop runs in this thread, sync otherwise."""

    def guard(ctx: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return sync_guard(ctx)
        return async_guard(ctx)

    return guard

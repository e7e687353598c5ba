"""What ``EntitySession`` costs on top of the stateless ``machine.process``.

A send is process + payload merge + commit (one lock, one record swap, one list append), so its
overhead over ``process`` should stay within a few microseconds; an observer without hooks must add
next to nothing. Also: ``asend`` (event loop overhead included), generated trigger methods,
``snapshot``/``from_snapshot`` of a small context, and a send with ``execute_actions`` running one
declarative effect.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from _figures import Figure, per_call_us

from pystator import EntitySession, StateMachine
from pystator.hooks import TransitionObserver

CONFIG: dict[str, Any] = {
    "meta": {"machine_name": "bench_session", "version": "1", "strict_mode": True},
    "states": [{"name": "ready", "type": "initial"}, {"name": "done", "type": "terminal"}],
    "transitions": [
        {"trigger": "tick", "source": "ready", "dest": "ready"},
        {"trigger": "count", "source": "ready", "dest": "ready", "actions": [{"increment": "ticks"}]},
    ],
}
CONTEXT = {"order_id": "123", "order_qty": 100, "tags": ["a", "b"], "customer": {"tier": "gold"}}


def _async_per_call_us(session: EntitySession, calls: int = 20_000) -> float:
    async def many() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await session.asend("tick", qty=1)
        return (time.perf_counter() - started) / calls * 1e6

    return min(asyncio.run(many()) for _ in range(3))


def run() -> list[Figure]:
    machine = StateMachine.from_dict(CONFIG)
    session = machine.create(context=CONTEXT)
    observed = machine.create(context=CONTEXT, observer=TransitionObserver())
    executing = machine.create(context=CONTEXT, execute_actions=True)
    process_us = per_call_us(lambda: machine.process("ready", "tick", CONTEXT), calls=50_000)
    send_us = per_call_us(lambda: session.send("tick"), calls=50_000)
    send_payload_us = per_call_us(lambda: session.send("tick", qty=1), calls=50_000)
    observed_us = per_call_us(lambda: observed.send("tick"), calls=50_000)
    method_us = per_call_us(session.tick, calls=50_000)  # type: ignore[attr-defined]
    snapshot = session.snapshot()
    snapshot_us = per_call_us(session.snapshot, calls=20_000)
    restore_us = per_call_us(lambda: EntitySession.from_snapshot(machine, snapshot), calls=20_000)
    effect_us = per_call_us(lambda: executing.send("count"), calls=10_000)
    return [
        Figure("machine.process (reference)", process_us, "us"),
        Figure("session.send, no payload", send_us, "us", "< process + 3 us"),
        Figure("session.send, with payload", send_payload_us, "us"),
        Figure("session.send, observer without hooks", observed_us, "us", "~ send"),
        Figure("session.<trigger>() generated method", method_us, "us", "~ send"),
        Figure("await session.asend, with payload", _async_per_call_us(session), "us"),
        Figure("session.snapshot (4-key context)", snapshot_us, "us"),
        Figure("EntitySession.from_snapshot", restore_us, "us"),
        Figure("session.send + execute_actions (1 effect)", effect_us, "us"),
    ]

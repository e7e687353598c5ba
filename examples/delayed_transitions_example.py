"""Delayed transitions through the Orchestrator, with an in-process AsyncioScheduler.

Run it with ``python examples/delayed_transitions_example.py`` (about two seconds). Three payments:
one is paid before its reminder is due (the timer is cancelled), one is reminded after 300 ms and
then paid, one is reminded and then expires on its state's 1 s timeout.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pystator import ActionRegistry, InMemoryStateStore, Orchestrator, StateMachine
from pystator.scheduler import AsyncioScheduler

HERE = Path(__file__).resolve().parent

reminders: list[str] = []


async def main() -> None:
    machine = StateMachine.from_yaml(HERE / "delayed_transitions_fsm.yaml")
    actions = ActionRegistry()

    @actions.decorator()
    def send_reminder(ctx: dict[str, Any], channel: str) -> None:
        reminders.append(f"{channel} to {ctx['customer']}")

    store = InMemoryStateStore()
    orchestrator = Orchestrator(
        machine=machine, state_store=store, actions=actions, scheduler=AsyncioScheduler()
    )
    for entity, customer in (("pay-1", "ada"), ("pay-2", "bob"), ("pay-3", "cy")):
        await orchestrator.async_process_event(entity, "submit", {"customer": customer})
    await orchestrator.async_process_event("pay-1", "pay", {})
    print("t=0.0s", {e: store.get_state(e) for e in ("pay-1", "pay-2", "pay-3")})

    await asyncio.sleep(0.7)  # the 300 ms reminders have fired
    print("t=0.7s", {e: store.get_state(e) for e in ("pay-1", "pay-2", "pay-3")})
    await orchestrator.async_process_event("pay-2", "pay", {})

    await asyncio.sleep(1.1)  # pay-3 has rested 1 s in `reminded`: its timeout fired
    print("t=1.8s", {e: store.get_state(e) for e in ("pay-1", "pay-2", "pay-3")})
    print("reminders:", reminders)
    print("pay-3 context expired:", store.get_context("pay-3").get("expired"))
    await orchestrator.close()


if __name__ == "__main__":
    asyncio.run(main())

"""``pystator up``'s in-process worker: every stored machine this release can load is worked on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pystator_api.definitions import parse_definition
from pystator_api.runtime import Runtime
from pystator_api.seed import start_worker
from pystator_worker import EventStatus

from .conftest import _order_yaml, settings_for


async def test_a_stored_version_this_release_refuses_does_not_stop_the_worker(tmp_path: Path) -> None:
    runtime = Runtime(settings_for(f"sqlite:///{tmp_path / 'up.db'}"))
    try:
        good = parse_definition(_order_yaml("orders"), "yaml", machine_id="orders")
        await runtime.machines.asave_machine(
            "orders", source=good.source, format="yaml", config=good.config_json(), expected_version=0
        )
        await runtime.machines.asave_machine(
            "old", source="{}", format="json", config={"meta": {}}, expected_version=0
        )
        await start_worker(runtime)
        applied = await runtime.queue.asubmit_event("o-1", "exchange_ack", machine="orders")
        refused = await runtime.queue.asubmit_event("o-2", "anything", machine="old")
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            states = [(await runtime.queue.aget_event(e)).status for e in (applied, refused)]  # type: ignore[union-attr]
            if all(s in (EventStatus.DONE, EventStatus.FAILED) for s in states):
                break
            assert asyncio.get_running_loop().time() < deadline, states
            await asyncio.sleep(0.05)
        assert states == [EventStatus.DONE, EventStatus.FAILED]
        info = await runtime.queue.aget_event(refused)
        assert info is not None and info.last_error is not None and "unknown machine 'old'" in info.last_error
    finally:
        await runtime.close()

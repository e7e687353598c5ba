"""Concurrent writers on one entity: no lost update; the final version counts the applied events."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from pystator import GuardRegistry, InMemoryStateStore, Orchestrator, StaleVersionError, StateMachine


def test_threads_on_one_entity_lose_no_update(configs: Any) -> None:
    store = InMemoryStateStore()
    orchestrator = Orchestrator(StateMachine.from_dict(configs.counter), store, max_attempts=50)
    applied: list[int] = []
    conflicts: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer() -> None:
        barrier.wait()
        for _ in range(40):
            try:
                result = orchestrator.process_event("shared", "bump")
            except StaleVersionError as exc:
                conflicts.append(exc)
            else:
                applied.append(result.metadata["version"])

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state, version = store.get_state_versioned("shared")
    assert state == "on"
    assert version == len(applied) == 320 - len(conflicts)
    assert sorted(applied) == list(range(1, version + 1))  # each version committed exactly once
    assert store.get_context("shared") == {"count": version}
    assert len(store.history("shared", limit=1000)) == version


async def test_tasks_interleaving_at_an_async_guard_lose_no_update(configs: Any) -> None:
    config = configs.counter
    config["transitions"][0]["guards"] = ["slow"]
    guards = GuardRegistry()

    async def slow(ctx: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0)  # every task reads, then yields before writing: conflicts guaranteed
        return True

    guards.register("slow", slow)
    store = InMemoryStateStore()
    orchestrator = Orchestrator(StateMachine.from_dict(config), store, guards, max_attempts=200)
    results = await asyncio.gather(
        *(orchestrator.async_process_event("shared", "bump") for _ in range(50)), return_exceptions=True
    )
    applied = [r.metadata["version"] for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, StaleVersionError) for r in failed)
    assert sorted(applied) == list(range(1, len(applied) + 1))
    assert store.get_state_versioned("shared") == ("on", len(applied))
    assert store.get_context("shared") == {"count": len(applied)}


async def test_conflicts_beyond_the_budget_raise_stale_version_error(configs: Any) -> None:
    config = configs.counter
    config["transitions"][0]["guards"] = ["interfere"]
    store = InMemoryStateStore()
    guards = GuardRegistry()

    def interfere(ctx: Mapping[str, Any]) -> bool:
        store.set_state("shared", "on")  # someone else writes between our read and our write
        return True

    guards.register("interfere", interfere)
    orchestrator = Orchestrator(StateMachine.from_dict(config), store, guards, max_attempts=3)
    with pytest.raises(StaleVersionError, match="gave up after 3 attempts") as info:
        await orchestrator.async_process_event("shared", "bump")
    assert info.value.context["attempts"] == 3
    assert store.get_context("shared") == {}

"""Fixtures for the EntitySession tests: machines from ./machines and a sync/async driver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pystator import EntitySession, Event, StateMachine, TransitionResult

MACHINES = Path(__file__).parent / "machines"


class Driver:
    """Runs a session call through ``send``/``apply_data`` or their async twins, so that every
    behaviour test covers both paths."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def send(self, session: EntitySession, trigger: str | Event, /, **payload: Any) -> TransitionResult:
        if self.mode == "sync":
            return session.send(trigger, **payload)
        return await session.asend(trigger, **payload)

    async def apply_data(self, session: EntitySession, /, **data: Any) -> list[TransitionResult]:
        if self.mode == "sync":
            return session.apply_data(data)
        return await session.aapply_data(data)


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)


@pytest.fixture
def load() -> Callable[[str], StateMachine]:
    def load_machine(name: str) -> StateMachine:
        return StateMachine.from_yaml(MACHINES / f"{name}.yaml")

    return load_machine

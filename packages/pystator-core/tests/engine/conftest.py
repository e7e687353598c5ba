"""Fixtures of the engine specification: every behaviour is run through ``process`` and ``aprocess``.

``run`` is parametrised over the two entry points; ``load`` builds a machine from a YAML fixture in
``fixtures/`` (beside these tests); ``build`` from a dict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from pystator import Event, StateMachine, TransitionResult

FIXTURES = Path(__file__).parent / "fixtures"


class Runner(Protocol):
    mode: str

    def __call__(
        self,
        machine: StateMachine,
        state: str,
        trigger: str | Event,
        context: Mapping[str, Any] | None = None,
    ) -> TransitionResult: ...


class _Runner:
    def __init__(self, mode: str, loop: asyncio.AbstractEventLoop) -> None:
        self.mode = mode
        self._loop = loop

    def __call__(
        self,
        machine: StateMachine,
        state: str,
        trigger: str | Event,
        context: Mapping[str, Any] | None = None,
    ) -> TransitionResult:
        if self.mode == "process":
            return machine.process(state, trigger, context)
        return self._loop.run_until_complete(machine.aprocess(state, trigger, context))

    def call(self, sync: Callable[[], Any], coroutine: Callable[[], Any]) -> Any:
        """Run the sync or the async twin of any machine method, by mode."""
        if self.mode == "process":
            return sync()
        return self._loop.run_until_complete(coroutine())


@pytest.fixture(params=["process", "aprocess"])
def run(request: pytest.FixtureRequest) -> Iterator[_Runner]:
    loop = asyncio.new_event_loop()
    try:
        yield _Runner(request.param, loop)
    finally:
        loop.close()


@pytest.fixture
def load() -> Callable[..., StateMachine]:
    def _load(name: str, **registries: Any) -> StateMachine:
        return StateMachine.from_yaml(FIXTURES / f"{name}.yaml", **registries)

    return _load


@pytest.fixture
def build() -> Callable[..., StateMachine]:
    def _build(states: list[Any], transitions: list[Any], **meta: Any) -> StateMachine:
        data: dict[str, Any] = {"states": states, "transitions": transitions}
        if meta:
            data["meta"] = meta
        return StateMachine.from_dict(data)

    return _build

"""Run-to-completion: events sent while a send is in progress are queued and processed after it,
in order, whether they come from actions (sync or async) or from observer hooks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pystator import EntitySession, StateMachine, TransitionResult
from pystator.hooks import TransitionObserver

from .conftest import Driver

Load = Callable[[str], StateMachine]


def _relaying(load: Load, log: list[str]) -> tuple[StateMachine, list[EntitySession]]:
    """A machine whose ``relay_events`` action sends two events to the session running it."""
    machine = load("effects")
    holder: list[EntitySession] = []

    @machine.action("relay_events")
    def relay_events(ctx: dict[str, Any]) -> None:
        session = holder[0]
        log.append(f"relay starts in {session.current_state} v{session.version}")
        queued = session.send("tick")
        log.append(f"queued tick: {dict(queued.metadata)} target={queued.target_state}")
        session.send("finish")
        log.append(f"relay ends in {session.current_state} v{session.version}")

    return machine, holder


async def test_events_sent_by_an_action_run_after_the_current_one(load: Load, driver: Driver) -> None:
    log: list[str] = []
    machine, holder = _relaying(load, log)
    session = machine.create(initial_state="counting", execute_actions=True)
    holder.append(session)
    result = await driver.send(session, "relay")
    assert result.trigger == "relay" and result.success
    assert log == [
        "relay starts in counting v0",
        "queued tick: {'queued': True, 'reason': 'queued'} target=None",
        "relay ends in counting v0",
    ]
    assert [r.trigger for r in session.history] == ["relay", "tick", "finish"]
    assert session.current_state == "done"
    assert session.version == 3
    assert session.context["ticks"] == 1


async def test_async_actions_queue_their_asends(load: Load) -> None:
    machine = load("effects")
    holder: list[EntitySession] = []

    async def relay_events(ctx: dict[str, Any]) -> None:
        session = holder[0]
        await session.asend("tick")
        await session.asend("tick")
        await session.asend("finish")

    machine.action_registry.register("relay_events", relay_events)
    session = machine.create(initial_state="counting", execute_actions=True)
    holder.append(session)
    await session.asend("relay")
    assert [r.trigger for r in session.history] == ["relay", "tick", "tick", "finish"]
    assert session.context["ticks"] == 2 and session.is_final


async def test_apply_data_from_an_action_is_queued_too(load: Load, driver: Driver) -> None:
    machine = load("effects")
    holder: list[EntitySession] = []

    def relay_events(ctx: dict[str, Any]) -> None:
        assert holder[0].apply_data({"from_action": 1}) == []
        assert "from_action" not in holder[0].context

    machine.action_registry.register("relay_events", relay_events)
    session = machine.create(initial_state="counting", execute_actions=True)
    holder.append(session)
    await driver.send(session, "relay")
    assert session.context["from_action"] == 1
    assert session.version == 2


class _Chaining:
    """A hook that reacts to each completed ``start`` by sending ``finish`` to the session."""

    def __init__(self) -> None:
        self.session: EntitySession | None = None
        self.completed: list[str] = []

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        self.completed.append(result.trigger)
        if result.trigger == "start" and self.session is not None:
            self.session.send("finish")


async def test_events_sent_by_a_hook_are_queued(load: Load) -> None:
    hook = _Chaining()
    machine = load("effects")
    session = machine.create(observer=TransitionObserver([hook]))
    hook.session = session
    result = session.send("start")
    assert result.target_state == "counting"
    assert hook.completed == ["start", "finish"]
    assert session.current_state == "done"


class _Abort(BaseException):
    """Not an Exception: the executor lets it through, as it would a KeyboardInterrupt."""


async def test_a_send_that_raises_changes_nothing_and_drops_what_it_queued(
    load: Load, driver: Driver
) -> None:
    machine = load("effects")
    holder: list[EntitySession] = []

    def relay_events(ctx: dict[str, Any]) -> None:
        holder[0].send("tick")
        raise _Abort

    machine.action_registry.register("relay_events", relay_events)
    session = machine.create(initial_state="counting", execute_actions=True, context={"n": 1})
    holder.append(session)
    assert session.context == {"n": 1, "entries": 1}  # counting's on_enter ran at create
    try:
        await driver.send(session, "relay", extra=True)
    except _Abort:
        pass
    else:
        raise AssertionError("the abort should propagate")
    assert (session.current_state, session.context, session.version, session.history) == (
        "counting",
        {"n": 1, "entries": 1},
        0,
        [],
    )
    await driver.send(session, "finish")
    assert [r.trigger for r in session.history] == ["finish"]

"""``meta.strict_mode`` and its two override switches: ``reject_invalid_events`` (unknown trigger /
no transition from this state: a failure, or a successful no-op) and ``strict_guard_registry``
(an unregistered guard: a failure, or a guard that passes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import (
    ErrorCode,
    GuardNotFoundError,
    InvalidTransitionError,
    StateMachine,
    UndefinedTriggerError,
)

STATES = [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "c", "type": "terminal"}]
TRANSITIONS = [
    {"trigger": "go", "source": "a", "dest": "b"},
    {"trigger": "finish", "source": "b", "dest": "c"},
    {"trigger": "guarded", "source": "a", "dest": "b", "guards": ["not_registered"]},
    {"trigger": "checked", "source": "a", "dest": "b", "guards": [{"expr": "ok"}]},
]


def _machine(build: Callable[..., StateMachine], **meta: Any) -> StateMachine:
    return build(STATES, TRANSITIONS, **meta)


def test_strict_mode_is_the_default(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = build(STATES, TRANSITIONS)
    assert machine.meta["strict_mode"] is True
    assert run(machine, "a", "nope").metadata["reason"] == "undefined_trigger"


def test_strict_unknown_trigger_fails(run: Any, build: Callable[..., StateMachine]) -> None:
    result = run(_machine(build, strict_mode=True), "a", "nope")
    assert not result.success
    assert isinstance(result.error, UndefinedTriggerError)
    assert result.error.code is ErrorCode.INVALID_TRIGGER
    assert result.error.context == {"current_state": "a", "trigger": "nope"}


def test_strict_trigger_without_transition_from_this_state_fails(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    result = run(_machine(build, strict_mode=True), "a", "finish")
    assert not result.success
    assert type(result.error) is InvalidTransitionError
    assert result.metadata["reason"] == "invalid_transition"


def test_strict_unregistered_guard_fails(run: Any, build: Callable[..., StateMachine]) -> None:
    result = run(_machine(build, strict_mode=True), "a", "guarded")
    assert not result.success
    assert result.metadata["reason"] == "guard_not_found"
    assert result.metadata["guard_name"] == "not_registered"
    assert isinstance(result.error, GuardNotFoundError)
    assert result.error.code is ErrorCode.GUARD_NOT_FOUND


@pytest.mark.parametrize(
    ("trigger", "reason"), [("nope", "undefined_trigger"), ("finish", "invalid_transition")]
)
def test_lenient_invalid_events_are_successful_no_ops(
    run: Any, build: Callable[..., StateMachine], trigger: str, reason: str
) -> None:
    result = run(_machine(build, strict_mode=False), "a", trigger)
    assert result.success
    assert result.metadata["no_op"] is True
    assert result.metadata["reason"] == reason
    assert result.is_no_op
    assert result.target_state == "a"
    assert not result.state_changed
    assert not result.is_self_transition
    assert result.all_actions == ()


def test_lenient_unregistered_guards_pass(run: Any, build: Callable[..., StateMachine]) -> None:
    result = run(_machine(build, strict_mode=False), "a", "guarded")
    assert result.success and result.target_state == "b"


def test_lenient_rejecting_guard_still_fails(run: Any, build: Callable[..., StateMachine]) -> None:
    result = run(_machine(build, strict_mode=False), "a", "checked", {"ok": False})
    assert not result.success
    assert result.metadata["reason"] == "guard_rejected"


def test_lenient_terminal_state_still_refuses(run: Any, build: Callable[..., StateMachine]) -> None:
    result = run(_machine(build, strict_mode=False), "c", "go")
    assert not result.success
    assert result.metadata["reason"] == "terminal_state"


def test_reject_invalid_events_overrides_lenient_mode(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, strict_mode=False, reject_invalid_events=True)
    assert not run(machine, "a", "nope").success
    assert run(machine, "a", "guarded").success  # the guard half stays lenient


def test_strict_guard_registry_overrides_lenient_mode(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, strict_mode=False, strict_guard_registry=True)
    assert run(machine, "a", "nope").is_no_op  # the event half stays lenient
    assert run(machine, "a", "guarded").metadata["reason"] == "guard_not_found"


def test_lenient_switches_override_strict_mode(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, strict_mode=True, reject_invalid_events=False, strict_guard_registry=False)
    assert run(machine, "a", "nope").is_no_op
    assert run(machine, "a", "guarded").target_state == "b"


def test_registering_the_guard_later_makes_it_count(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build)
    machine.guard_registry.register("not_registered", lambda ctx: ctx.get("allow", False))
    assert not run(machine, "a", "guarded", {}).success
    assert run(machine, "a", "guarded", {"allow": True}).success

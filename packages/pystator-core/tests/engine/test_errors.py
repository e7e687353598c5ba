"""The error surface: every exception is an ``FSMError`` with an ``ErrorCode``; soft failures carry
the same error on the result, exceptions are raised for caller mistakes (an unknown or malformed
state, an async guard in ``process``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import (
    ErrorCode,
    FSMError,
    GuardRejectedError,
    InvalidStateError,
    InvalidTransitionError,
    StateMachine,
    TerminalStateError,
    UndefinedStateError,
    UndefinedTriggerError,
)

README_CODES = [
    "GUARD_REJECTED",
    "VALIDATION_FAILED",
    "INVALID_TRIGGER",
    "INVALID_STATE",
    "TERMINAL_STATE",
    "TIMEOUT",
    "CONFIG",
    "ACTION_FAILED",
    "STALE_VERSION",
    "GUARD_NOT_FOUND",
    "ACTION_NOT_FOUND",
    "UNDEFINED_STATE",
]


def test_error_codes_named_in_the_readme_exist() -> None:
    for name in README_CODES:
        assert ErrorCode[name].value == name


@pytest.fixture
def order(load: Callable[..., StateMachine]) -> StateMachine:
    machine = load("order")
    return machine


@pytest.mark.parametrize(
    ("state", "trigger", "error_type", "code", "reason"),
    [
        ("pending", "nope", UndefinedTriggerError, ErrorCode.INVALID_TRIGGER, "undefined_trigger"),
        ("pending", "fill", InvalidTransitionError, ErrorCode.INVALID_TRIGGER, "invalid_transition"),
        ("filled", "fill", TerminalStateError, ErrorCode.TERMINAL_STATE, "terminal_state"),
    ],
)
def test_soft_failures_carry_typed_errors(
    *, run: Any, order: StateMachine, state: str, trigger: str, error_type: type, code: ErrorCode, reason: str
) -> None:
    result = run(order, state, trigger, {})
    assert not result.success
    assert type(result.error) is error_type
    assert result.error.code is code
    assert result.metadata["reason"] == reason
    assert result.error.context["current_state"] == state
    assert result.error.context["trigger"] == trigger


def test_a_soft_failure_can_be_raised_and_caught_as_in_the_readme(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    machine = build(
        [{"name": "open", "type": "initial"}, {"name": "filled", "type": "terminal"}],
        [{"trigger": "fill", "source": "open", "dest": "filled", "guards": ["is_full_fill"]}],
    )
    machine.guard_registry.register("is_full_fill", lambda ctx: False)
    result = run(machine, "open", "fill", {})
    with pytest.raises(GuardRejectedError) as caught:
        raise result.error  # type: ignore[misc]
    assert (caught.value.guard_name, caught.value.current_state) == ("is_full_fill", "open")
    assert isinstance(caught.value, FSMError)


def test_unknown_and_malformed_states_raise(run: Any, order: StateMachine) -> None:
    with pytest.raises(UndefinedStateError) as undefined:
        run(order, "nowhere", "fill")
    assert undefined.value.code is ErrorCode.UNDEFINED_STATE
    with pytest.raises(InvalidStateError) as malformed:
        run(order, "pending[x=y]", "fill")
    assert malformed.value.code is ErrorCode.INVALID_STATE


def test_a_non_string_state_is_a_type_error(run: Any, order: StateMachine) -> None:
    with pytest.raises(TypeError):
        run(order, ["pending"], "fill")  # type: ignore[arg-type]

"""``meta.validate_context``: before guards run, the context is checked against
``state_variables`` and ``context_invariants``; a failure lists every problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pystator import ContextValidationError, ErrorCode, Event, StateMachine


@pytest.fixture
def validated(load: Callable[..., StateMachine]) -> tuple[StateMachine, list[Any]]:
    machine = load("validated")
    calls: list[Any] = []
    machine.guard_registry.register("audited", lambda ctx: calls.append(ctx) or True)
    return machine, calls


def test_a_valid_context_proceeds(run: Any, validated: tuple[StateMachine, list[Any]]) -> None:
    machine, calls = validated
    assert run(machine, "pending", "submit", {"order_id": "o-1", "qty": 3}).success
    assert len(calls) == 1


def test_an_invalid_context_fails_before_any_guard(
    run: Any, validated: tuple[StateMachine, list[Any]]
) -> None:
    machine, calls = validated
    result = run(machine, "pending", "submit", {"qty": "three"})
    assert not result.success
    assert result.metadata["reason"] == "context_validation"
    error = result.error
    assert isinstance(error, ContextValidationError)
    assert error.code is ErrorCode.VALIDATION_FAILED
    problems = error.context["validation_errors"]
    assert problems == result.metadata["validation_errors"]
    assert len(problems) >= 2
    assert any("order_id" in p for p in problems)
    assert any("qty" in p for p in problems)
    assert calls == []


def test_invariants_are_checked(run: Any, validated: tuple[StateMachine, list[Any]]) -> None:
    machine, _ = validated
    result = run(machine, "pending", "submit", {"order_id": "o-1", "qty": 0})
    assert result.metadata["reason"] == "context_validation"
    assert any("positive_qty" in p for p in result.error.context["validation_errors"])  # type: ignore[union-attr]


def test_event_payload_counts_towards_the_context(
    run: Any, validated: tuple[StateMachine, list[Any]]
) -> None:
    machine, _ = validated
    assert run(machine, "pending", Event.simple("submit", qty=2), {"order_id": "o-1"}).success


def test_invalid_triggers_are_reported_before_validation(
    run: Any, validated: tuple[StateMachine, list[Any]]
) -> None:
    machine, _ = validated
    assert run(machine, "pending", "nope", {}).metadata["reason"] == "undefined_trigger"


def test_validation_is_off_by_default(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = StateMachine.from_dict(
        {
            "state_variables": [{"key": "x", "required": True}],
            "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
            "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
        }
    )
    assert run(machine, "a", "go", {}).success

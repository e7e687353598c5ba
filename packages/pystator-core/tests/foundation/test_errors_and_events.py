"""The error hierarchy, ``Event`` values and the registries: the shared vocabulary of every package."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

import pystator
from pystator import (
    ActionNotFoundError,
    ActionRegistry,
    ActionStatus,
    ErrorCode,
    Event,
    FSMError,
    GuardNotFoundError,
    GuardRegistry,
    GuardRejectedError,
    StaleVersionError,
    TransitionResult,
)
from pystator.result import ActionSpec


def test_every_error_is_an_fsm_error_with_a_code() -> None:
    for name in pystator.errors.__all__:
        obj = getattr(pystator.errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, FSMError)
            assert isinstance(obj.default_code, ErrorCode)


def test_guard_rejected_error_carries_guard_and_state() -> None:
    err = GuardRejectedError("no", guard_name="is_full_fill", current_state="open", trigger="fill")
    assert err.code is ErrorCode.GUARD_REJECTED
    assert (err.guard_name, err.current_state) == ("is_full_fill", "open")
    assert err.context["guards_failed"] == ["is_full_fill"]


def test_stale_version_error_context() -> None:
    err = StaleVersionError("conflict", entity_id="e1", expected_version=3, actual_version=4)
    assert err.code is ErrorCode.STALE_VERSION
    assert err.context == {"entity_id": "e1", "expected_version": 3, "actual_version": 4}


def test_event_is_frozen_mapping_like_and_round_trips() -> None:
    payload = {"qty": 5}
    event = Event("fill", payload)
    payload["qty"] = 6  # the event keeps its own copy
    assert event["qty"] == 5
    assert event.get("missing", 1) == 1
    assert "qty" in event
    assert isinstance(event.event_id, UUID)
    assert event.timestamp.tzinfo is not None
    with pytest.raises(AttributeError):
        event.trigger = "other"  # type: ignore[misc]
    richer = event.with_payload(price=10).with_metadata(source_system="fix")
    assert richer.event_id == event.event_id
    assert dict(richer.payload) == {"qty": 5, "price": 10}
    assert Event.from_dict(richer.to_dict()) == richer
    assert Event.simple("go", a=1).payload == {"a": 1}


def test_event_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="trigger"):
        Event("")
    with pytest.raises(ValueError, match="timezone"):
        Event("go", timestamp=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="trigger"):
        Event.from_dict({"payload": {}})
    assert Event("go", timestamp=datetime(2026, 1, 1, tzinfo=UTC)).timestamp.year == 2026


def test_guard_registry_contract() -> None:
    guards = GuardRegistry()
    guards.register("is_big", lambda ctx: ctx.get("qty", 0) > 10)

    @guards.decorator()
    def is_small(ctx: object) -> bool:
        return True

    assert guards.has("is_big") and "is_small" in guards
    assert guards.list_guards() == ["is_big", "is_small"]
    assert guards.evaluate("is_big", {"qty": 11}) is True
    with pytest.raises(GuardNotFoundError) as info:
        guards.get("nope")
    assert info.value.code is ErrorCode.GUARD_NOT_FOUND
    with pytest.raises(ValueError, match="lowercase"):
        guards.register("Bad.Name", lambda ctx: True)


async def test_async_guard_needs_aevaluate() -> None:
    guards = GuardRegistry()

    async def slow_ok(ctx: object) -> bool:
        return True

    guards.register("slow_ok", slow_ok)
    with pytest.raises(TypeError, match="aevaluate"):
        guards.evaluate("slow_ok", {})
    assert await guards.aevaluate("slow_ok", {}) is True


def test_action_registry_execute_reports_instead_of_raising() -> None:
    actions = ActionRegistry()
    seen: list[int] = []
    actions.register("record", lambda ctx, amount=1: seen.append(amount))
    actions.register("explode", lambda ctx: 1 / 0)
    ok = actions.execute("record", {}, amount=3)
    assert ok.success and ok.status is ActionStatus.SUCCESS and seen == [3]
    bad = actions.execute("explode", {})
    assert bad.status is ActionStatus.FAILED and isinstance(bad.error, ZeroDivisionError)
    missing = actions.execute("nope", {})
    assert isinstance(missing.error, ActionNotFoundError)
    with pytest.raises(ActionNotFoundError):
        actions.execute("nope", {}, raise_on_error=True)
    with pytest.raises(pystator.ActionExecutionError):
        actions.execute("explode", {}, raise_on_error=True)


def test_transition_result_action_order_and_flags() -> None:
    result = TransitionResult(
        success=True,
        source_state="a",
        target_state="b",
        trigger="go",
        on_exit_actions=(ActionSpec("leave_a", phase="exit"),),
        actions_to_execute=(ActionSpec("move"),),
        on_enter_actions=(ActionSpec("enter_b", phase="enter"),),
    )
    assert result.all_actions == ("leave_a", "move", "enter_b")
    assert result.state_changed and not result.is_self_transition

"""Compat surface, section "Registries": ``GuardRegistry`` / ``ActionRegistry`` register, get,
has / ``in``, decorator, listing, ``evaluate`` and ``execute`` (including unknown names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

import pystator
import pystator.actions
import pystator.guards
from pystator import (
    ActionExecutionError,
    ActionNotFoundError,
    ActionRegistry,
    ActionResult,
    ActionStatus,
    GuardNotFoundError,
    GuardRegistry,
)


def test_importable_from_both_paths() -> None:
    assert pystator.GuardRegistry is pystator.guards.GuardRegistry
    assert pystator.ActionRegistry is pystator.actions.ActionRegistry
    assert pystator.ActionResult is pystator.actions.ActionResult


def test_guard_registry() -> None:
    guards = GuardRegistry()

    def is_big(ctx: Mapping[str, Any]) -> bool:
        return bool(ctx.get("qty", 0) > 10)

    guards.register("is_big", is_big)

    @guards.decorator()
    def is_small(ctx: Mapping[str, Any]) -> bool:
        return bool(ctx.get("qty", 0) < 3)

    @guards.decorator("is_named")
    def whatever(ctx: Mapping[str, Any]) -> bool:
        return True

    assert guards.get("is_big") is is_big
    assert guards.has("is_small") and "is_named" in guards
    assert not guards.has("whatever") and "whatever" not in guards
    assert guards.list_guards() == ["is_big", "is_small", "is_named"]
    assert guards.evaluate("is_big", {"qty": 11}) is True
    assert guards.evaluate("is_small", {"qty": 11}) is False


def test_guard_registry_unknown_names() -> None:
    guards = GuardRegistry()
    with pytest.raises(GuardNotFoundError) as caught:
        guards.get("nope")
    assert caught.value.guard_name == "nope"
    with pytest.raises(GuardNotFoundError):
        guards.evaluate("nope", {})


def test_registry_names_follow_the_naming_rule() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        GuardRegistry().register("IsBig", lambda ctx: True)
    with pytest.raises(TypeError, match="callable"):
        ActionRegistry().register("notify", "not callable")  # type: ignore[arg-type]


def test_action_registry() -> None:
    actions = ActionRegistry()
    seen: list[Any] = []

    def notify(ctx: Mapping[str, Any], **params: Any) -> str:
        seen.append((dict(ctx), params))
        return "sent"

    actions.register("notify", notify)

    @actions.decorator()
    def audit(ctx: Mapping[str, Any]) -> None:
        seen.append("audit")

    assert actions.get("notify") is notify
    assert actions.has("audit") and "audit" in actions and "nope" not in actions
    assert actions.list_actions() == ["notify", "audit"]
    result = actions.execute("notify", {"id": 1})
    assert isinstance(result, ActionResult)
    assert (result.success, result.action_name, result.result, result.error) == (True, "notify", "sent", None)
    assert result.status is ActionStatus.SUCCESS
    assert seen == [({"id": 1}, {})]


def test_action_registry_failures() -> None:
    actions = ActionRegistry()

    @actions.decorator("explode")
    def explode(ctx: Mapping[str, Any]) -> None:
        raise RuntimeError("boom")

    failed = actions.execute("explode", {})
    assert not failed.success and failed.status is ActionStatus.FAILED
    assert isinstance(failed.error, RuntimeError)
    with pytest.raises(ActionExecutionError):
        actions.execute("explode", {}, raise_on_error=True)
    missing = actions.execute("nope", {})
    assert not missing.success and isinstance(missing.error, ActionNotFoundError)
    with pytest.raises(ActionNotFoundError) as caught:
        actions.get("nope")
    assert caught.value.action_name == "nope"
    with pytest.raises(ActionNotFoundError):
        actions.execute("nope", {}, raise_on_error=True)

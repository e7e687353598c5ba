"""Fixtures for the action tests: plan a TransitionResult from config entries, as the engine does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from pystator.actions import action_specs_from_entries
from pystator.result import TransitionResult

Planner = Callable[..., TransitionResult]


def _plan(
    actions: Sequence[Any] = (),
    *,
    on_exit: Sequence[Any] = (),
    on_enter: Sequence[Any] = (),
    success: bool = True,
) -> TransitionResult:
    return TransitionResult(
        success=success,
        source_state="a",
        target_state="b" if success else None,
        trigger="go",
        on_exit_actions=action_specs_from_entries(on_exit, phase="exit", state="a"),
        actions_to_execute=action_specs_from_entries(actions, phase="transition"),
        on_enter_actions=action_specs_from_entries(on_enter, phase="enter", state="b"),
    )


@pytest.fixture
def plan() -> Planner:
    """``plan(actions, on_exit=..., on_enter=...)`` -> a successful TransitionResult with those actions."""
    return _plan

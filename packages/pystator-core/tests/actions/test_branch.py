"""``branch`` entries: then/else at run time, nested results in order, a bounded depth."""

from __future__ import annotations

from typing import Any

from pystator import ActionRegistry, ActionStatus
from pystator.actions import ActionExecutor


def nested(depth: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"increment": "leaf"}
    for _ in range(depth):
        entry = {"branch": {"when": "True", "then": [entry]}}
    return entry


def test_then_and_else_arms(plan: Any) -> None:
    registry = ActionRegistry()
    registry.register("notify", lambda ctx, **p: p["to"])
    entry = {
        "branch": {
            "when": {"field": "qty", "op": "gte", "value": 100},
            "then": [{"name": "notify", "params": {"to": "desk"}}, {"set": {"size": "large"}}],
            "else": [{"set": {"size": "small"}}],
        }
    }
    big = ActionExecutor(registry).execute(plan([entry, "noop"]), {"qty": 150})
    assert [(r.name, r.status.value) for r in big.action_results] == [
        ("branch", "success"),
        ("notify", "success"),
        ("set", "success"),
        ("noop", "success"),
    ]
    assert big.action_results[0].result == "then"
    assert big.action_results[1].result == "desk"
    assert big.context["size"] == "large"
    small = ActionExecutor(registry).execute(plan([entry]), {"qty": 1})
    assert small.action_results[0].result == "else"
    assert small.context["size"] == "small"


def test_nested_actions_keep_the_branch_phase(plan: Any) -> None:
    execution = ActionExecutor().execute(
        plan([], on_enter=[{"branch": {"when": "x", "then": ["noop"]}}]), {"x": 1}
    )
    assert [r.phase for r in execution.action_results] == ["enter", "enter"]


def test_branch_when_option_skips_the_whole_branch(plan: Any) -> None:
    entry = {"branch": {"when": "True", "then": [{"set": {"a": 1}}]}, "when": "enabled"}
    execution = ActionExecutor().execute(plan([entry]), {"enabled": False})
    assert [r.status for r in execution.action_results] == [ActionStatus.SKIPPED]
    assert "a" not in execution.context


def test_depth_is_bounded(plan: Any) -> None:
    deep_enough = ActionExecutor(max_branch_depth=3).execute(plan([nested(3)]), {})
    assert deep_enough.context == {"leaf": 1}
    too_deep = ActionExecutor(max_branch_depth=3).execute(plan([nested(4), "noop"]), {})
    assert too_deep.failed_actions == ["branch"]
    assert "max_branch_depth=3" in str(too_deep.errors[0])
    assert "leaf" not in too_deep.context
    assert too_deep.action_results[-1].name == "noop"


async def test_branches_in_async_and_parallel_modes(plan: Any) -> None:
    entry = {"branch": {"when": "n > 0", "then": [{"increment": "n"}], "else": [{"decrement": "n"}]}}
    sequential = await ActionExecutor().async_execute(plan([entry, entry]), {"n": 1})
    assert sequential.context["n"] == 3
    parallel = await ActionExecutor().async_execute_parallel(plan([entry, {"set": {"other": 1}}]), {"n": 0})
    assert parallel.context == {"n": -1, "other": 1}

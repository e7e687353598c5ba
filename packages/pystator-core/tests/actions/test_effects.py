"""The seven declarative effects, dotted paths, copy-on-write and atomic failure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pystator import ActionStatus
from pystator.actions import ActionExecutor

NOW = datetime(2024, 5, 17, 12, 30, tzinfo=UTC)


def run(plan: Any, entries: list[Any], context: dict[str, Any]) -> Any:
    return ActionExecutor(clock=lambda: NOW).execute(plan(entries), context)


def test_set_timestamp_increment_decrement_append_clear(plan: Any) -> None:
    execution = run(
        plan,
        [
            {"set": {"status": "open", "meta.source": "api"}},
            {"timestamp": "opened_at"},
            {"increment": "fills"},
            {"increment": "fills"},
            {"decrement": "remaining"},
            {"append": {"field": "history", "value": {"event": "open"}}},
            {"append": {"field": "history", "value": {"event": "fill"}}},
            {"clear": "draft"},
        ],
        {"remaining": 10, "draft": True, "meta": {"owner": "me"}},
    )
    assert execution.all_succeeded
    assert execution.context == {
        "status": "open",
        "meta": {"owner": "me", "source": "api"},
        "opened_at": "2024-05-17T12:30:00+00:00",
        "fills": 2,
        "remaining": 9,
        "history": [{"event": "open"}, {"event": "fill"}],
    }
    assert [r.name for r in execution.action_results][:3] == ["set", "timestamp", "increment"]
    assert all(r.kind == "effect" for r in execution.action_results)


def test_compute_evaluates_every_expression_against_the_same_context(plan: Any) -> None:
    execution = run(
        plan,
        [{"compute": {"total": "price * qty", "qty": "qty + 1"}}],
        {"price": 2.5, "qty": 4},
    )
    assert execution.context == {"price": 2.5, "qty": 5, "total": 10.0}


def test_compute_error_leaves_the_context_unchanged(plan: Any) -> None:
    execution = run(plan, [{"compute": {"ok": "1 + 1", "bad": "missing_name * 2"}}], {"x": 1})
    assert execution.action_results[0].status is ActionStatus.FAILED
    assert execution.context == {"x": 1}


def test_effects_never_touch_the_callers_nested_objects(plan: Any) -> None:
    original = {"order": {"qty": 1, "tags": ["a"]}}
    execution = run(
        plan,
        [
            {"set": {"order.qty": 2}},
            {"append": {"field": "order.tags", "value": "b"}},
            {"clear": "order.missing"},
        ],
        original,
    )
    assert original == {"order": {"qty": 1, "tags": ["a"]}}
    assert execution.context == {"order": {"qty": 2, "tags": ["a", "b"]}}


@pytest.mark.parametrize(
    ("entry", "context", "message"),
    [
        ({"increment": "n"}, {"n": "three"}, "expected a number"),
        ({"decrement": "flag"}, {"flag": True}, "expected a number"),
        ({"append": {"field": "items", "value": 1}}, {"items": "abc"}, "expected a list"),
        ({"set": {"a.b": 1}}, {"a": 5}, "'a' holds a int"),
    ],
)
def test_effect_errors_name_the_field_and_change_nothing(
    plan: Any, entry: dict[str, Any], context: dict[str, Any], message: str
) -> None:
    execution = run(plan, [entry], dict(context))
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert message in str(outcome.error)
    assert execution.context == context


def test_set_values_are_copied_so_later_changes_do_not_leak_into_the_plan(plan: Any) -> None:
    result = plan([{"set": {"items": [1]}}, {"append": {"field": "items", "value": 2}}])
    first = ActionExecutor().execute(result, {})
    second = ActionExecutor().execute(result, {})
    assert first.context["items"] == [1, 2]
    assert second.context["items"] == [1, 2]

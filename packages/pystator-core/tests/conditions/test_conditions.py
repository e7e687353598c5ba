"""``pystator.conditions``: checks, action ``when`` conditions and state classification ``when``."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from pystator import ConfigurationError, ExpressionError, ExpressionEvaluationError
from pystator.conditions import compile_check, compile_condition, compile_state_when, lookup
from pystator_contracts.machine import ActionOptions, Check, Condition, StateDef

CONDITION = TypeAdapter(Condition)

CONTEXT: dict[str, Any] = {
    "qty": 5,
    "price": 2.5,
    "status": "open",
    "flag": False,
    "nothing": None,
    "tags": ["a", "b"],
    "order": {"customer": {"tier": "gold", "score": 7}, "lines": [1, 2]},
}


def check(**fields: Any) -> bool:
    return compile_check(Check.model_validate(fields))(CONTEXT)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("qty", 5),
        ("order.customer.tier", "gold"),
        ("order.customer", {"tier": "gold", "score": 7}),
        ("order.missing.tier", None),
        ("order.lines.0", None),
        ("status.length", None),
        ("absent", None),
        ("nothing", None),
        ("nothing.deeper", None),
    ],
)
def test_lookup(path: str, expected: Any) -> None:
    assert lookup(CONTEXT, path) == expected


def test_lookup_keeps_falsy_values() -> None:
    assert lookup({"a": {"b": 0}}, "a.b") == 0
    assert lookup({"a": {"b": False}}, "a.b") is False


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"field": "qty", "op": "eq", "value": 5}, True),
        ({"field": "qty", "value": 5}, True),  # eq is the default op
        ({"field": "qty", "op": "eq", "value": 6}, False),
        ({"field": "qty", "op": "neq", "value": 6}, True),
        ({"field": "qty", "op": "neq", "value": 5}, False),
        ({"field": "qty", "op": "gt", "value": 4}, True),
        ({"field": "qty", "op": "gt", "value": 5}, False),
        ({"field": "qty", "op": "gte", "value": 5}, True),
        ({"field": "qty", "op": "gte", "value": 6}, False),
        ({"field": "price", "op": "lt", "value": 3}, True),
        ({"field": "price", "op": "lt", "value": 2.5}, False),
        ({"field": "price", "op": "lte", "value": 2.5}, True),
        ({"field": "price", "op": "lte", "value": 2}, False),
        ({"field": "status", "op": "in", "values": ["open", "held"]}, True),
        ({"field": "status", "op": "in", "values": ["closed"]}, False),
        ({"field": "status", "op": "not_in", "values": ["closed"]}, True),
        ({"field": "status", "op": "not_in", "values": ["open"]}, False),
        ({"field": "status", "op": "is_set"}, True),
        ({"field": "flag", "op": "is_set"}, True),  # False is a value, not null
        ({"field": "nothing", "op": "is_set"}, False),
        ({"field": "absent", "op": "is_set"}, False),
        ({"field": "absent", "op": "is_null"}, True),
        ({"field": "nothing", "op": "is_null"}, True),
        ({"field": "qty", "op": "is_null"}, False),
        ({"field": "order.customer.tier", "op": "eq", "value": "gold"}, True),
        ({"field": "order.customer.score", "op": "gte", "value": 7}, True),
        ({"field": "tags", "op": "eq", "value": ["a", "b"]}, True),
    ],
)
def test_every_check_op(fields: dict[str, Any], expected: bool) -> None:
    assert check(**fields) is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # a missing field is null
        ({"field": "absent", "op": "eq", "value": None}, True),
        ({"field": "absent", "op": "eq", "value": 1}, False),
        ({"field": "absent", "op": "neq", "value": 1}, True),
        ({"field": "absent", "op": "in", "values": [1, None]}, True),
        ({"field": "absent", "op": "not_in", "values": [1]}, True),
        # ordering against null is false, both ways round
        ({"field": "absent", "op": "gt", "value": 0}, False),
        ({"field": "absent", "op": "gte", "value": 0}, False),
        ({"field": "absent", "op": "lt", "value": 0}, False),
        ({"field": "absent", "op": "lte", "value": 0}, False),
        ({"field": "qty", "op": "gt", "value": None}, False),
        ({"field": "qty", "op": "lte", "value": None}, False),
        # type mismatches are false, not exceptions
        ({"field": "status", "op": "gt", "value": 1}, False),
        ({"field": "status", "op": "lte", "value": 1}, False),
        ({"field": "tags", "op": "lt", "value": {"a": 1}}, False),
        ({"field": "status", "op": "eq", "value": 5}, False),
        ({"field": "order", "op": "in", "values": [{"x": 1}]}, False),
    ],
)
def test_missing_fields_and_type_mismatches(fields: dict[str, Any], expected: bool) -> None:
    assert check(**fields) is expected


def when(data: Any, **kwargs: Any) -> Any:
    return compile_condition(CONDITION.validate_python(data), **kwargs)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("qty > 3 and status == 'open'", True),
        ("qty > 30", False),
        ("absent > 3", False),
        ({"field": "qty", "op": "gte", "value": 5}, True),
        ({"field": "qty", "op": "gt", "value": 5}, False),
        ({"expr": "price * qty == 12.5"}, True),
        ({"check": {"field": "status", "op": "eq", "value": "open"}}, True),
        ({"check": {"field": "status", "op": "eq", "value": "shut"}}, False),
        ({"allOf": [{"expr": "qty > 1"}, {"check": {"field": "flag", "value": False}}]}, True),
        ({"allOf": [{"expr": "qty > 1"}, {"check": {"field": "flag", "value": True}}]}, False),
        ({"anyOf": [{"expr": "qty > 100"}, {"check": {"field": "flag", "value": False}}]}, True),
        ({"anyOf": [{"expr": "qty > 100"}, {"expr": "price > 100"}]}, False),
        ({"not": {"expr": "qty > 100"}}, True),
        ({"not": {"check": {"field": "qty", "op": "is_set"}}}, False),
        (
            {
                "allOf": [
                    {"not": {"expr": "flag"}},
                    {"anyOf": [{"expr": "qty == 1"}, {"expr": "order.customer.score > 6"}]},
                ]
            },
            True,
        ),
    ],
)
def test_condition_forms(data: Any, expected: bool) -> None:
    assert when(data)(CONTEXT) is expected


def test_condition_from_an_action_entry_model() -> None:
    options = ActionOptions.model_validate({"when": {"field": "qty", "op": "lt", "value": 10}})
    assert options.when is not None
    assert compile_condition(options.when)(CONTEXT) is True


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"allOf": ["is_ready"]}, "on_enter[0].when.allOf[0]"),
        ({"anyOf": [{"expr": "qty > 1"}, "is_ready"]}, "on_enter[0].when.anyOf[1]"),
        ({"not": "is_ready"}, "on_enter[0].when.not"),
        ({"allOf": [{"not": {"anyOf": ["is_ready"]}}]}, "on_enter[0].when.allOf[0].not.anyOf[0]"),
    ],
)
def test_registered_guard_names_are_refused_in_when(data: Any, where: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        when(data, path="on_enter[0].when")
    message = str(info.value)
    assert message.startswith(f"{where}: registered guard 'is_ready' is not allowed in `when`")
    assert "{expr: ...}" in message


def test_expression_errors_name_the_nested_path() -> None:
    with pytest.raises(ExpressionError, match=r"^on_exit\[2\]\.when\.anyOf\[1\]\.expr: invalid expression"):
        when({"anyOf": [{"expr": "qty > 1"}, {"expr": "open('x')"}]}, path="on_exit[2].when")
    with pytest.raises(ExpressionError, match=r"^on_exit\[2\]\.when: invalid expression"):
        when("qty.__class__", path="on_exit[2].when")


def test_expression_runtime_errors_propagate_as_evaluation_errors() -> None:
    predicate = when("qty / zero > 1")
    with pytest.raises(ExpressionEvaluationError, match="ZeroDivisionError"):
        predicate({"qty": 1, "zero": 0})


def test_non_boolean_expression_values_are_truthiness() -> None:
    assert when("tags")(CONTEXT) is True
    assert when("nothing")(CONTEXT) is False
    assert when("status and qty")(CONTEXT) is True


def test_value_without_truth_value_is_an_evaluation_error() -> None:
    class Ambiguous:
        def __bool__(self) -> bool:
            raise ValueError("ambiguous")

    with pytest.raises(ExpressionEvaluationError, match="with no truth value: ambiguous"):
        when("thing", path="x.when")({"thing": Ambiguous()})


def state_when(data: Any) -> Any:
    state = StateDef.model_validate({"name": "routed", "when": data})
    return compile_state_when(state.when, path="states[1].when")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], True),
        ({"field": "qty", "op": "gt", "value": 1}, True),  # a single entry is a one-item list
        ([{"field": "qty", "op": "gt", "value": 1}, {"field": "status", "value": "open"}], True),
        ([{"field": "qty", "op": "gt", "value": 1}, {"field": "status", "value": "shut"}], False),
        (["qty > 1"], True),
        ([{"expr": "qty > 10"}], False),
        ([{"any_of": [{"field": "qty", "value": 1}, {"expr": "status == 'open'"}]}], True),
        ([{"any_of": [{"field": "qty", "value": 1}, {"expr": "status == 'shut'"}]}], False),
        (
            [
                {
                    "all_of": [
                        {"field": "qty", "value": 5},
                        {"any_of": ["flag", {"field": "price", "op": "lt", "value": 3}]},
                    ]
                }
            ],
            True,
        ),
        ([{"all_of": [{"field": "qty", "value": 5}, {"field": "absent", "op": "gt", "value": 0}]}], False),
    ],
)
def test_state_when(data: Any, expected: bool) -> None:
    assert state_when(data)(CONTEXT) is expected


def test_state_when_expression_errors_name_the_entry() -> None:
    with pytest.raises(ExpressionError, match=r"^states\[1\]\.when\[0\]\.any_of\[1\]: invalid expression"):
        state_when([{"any_of": [{"field": "qty", "value": 1}, "lambda: 1"]}])

"""``compile_expression``: every allowed form evaluates as documented; errors name path and construct."""

from __future__ import annotations

from typing import Any

import pytest

import pystator
from pystator import (
    ConfigurationError,
    ExpressionError,
    ExpressionEvaluationError,
    FSMError,
    compile_expression,
)
from pystator.expressions import ALLOWED_FUNCTIONS, CompiledExpression


def ev(source: str, **context: Any) -> Any:
    return compile_expression(source).evaluate(context)


def test_typical_guard() -> None:
    guard = compile_expression("fill_qty >= order_qty", path="transitions[0].guards[0].expr")
    assert isinstance(guard, CompiledExpression)
    assert guard.source == "fill_qty >= order_qty"
    assert guard.names == frozenset({"fill_qty", "order_qty"})
    assert guard.evaluate({"fill_qty": 10, "order_qty": 10}) is True
    assert guard.evaluate({"fill_qty": 9, "order_qty": 10}) is False


def test_exported_from_pystator() -> None:
    assert pystator.compile_expression is compile_expression
    assert issubclass(ExpressionError, ConfigurationError)
    assert issubclass(ExpressionEvaluationError, FSMError)
    assert not issubclass(ExpressionEvaluationError, ConfigurationError)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 - 10", -3),
        ("7 / 2", 3.5),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("2 ** -1", 0.5),
        ("-x", -4),
        ("+x", 4),
        ("not x", False),
        ("'ab' + 'cd'", "abcd"),
        ("'ab' * 3", "ababab"),
        ("[1] * 3", [1, 1, 1]),
        ("[1, 2] + [3]", [1, 2, 3]),
        ("(1, 2)", (1, 2)),
        ("{1, 2} - {2}", {1}),
        ("'yes' if x > 3 else 'no'", "yes"),
        ("x > 3 and 'big'", "big"),
        ("x > 9 or 'fallback'", "fallback"),
        ("True", True),
        ("None", None),
        ("1.5e3", 1500.0),
    ],
)
def test_arithmetic_and_literals(source: str, expected: Any) -> None:
    assert ev(source, x=4) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x == 4", True),
        ("x != 4", False),
        ("x < 5", True),
        ("x <= 4", True),
        ("x > 4", False),
        ("x >= 4", True),
        ("1 < x < 5", True),
        ("1 < x < 3", False),
        ("1 < x <= 4 < 10 != 11", True),
        ("x in [1, 4]", True),
        ("x not in (1, 4)", False),
        ("'b' in 'abc'", True),
        ("x is None", False),
        ("missing is None", True),
        ("flag is True", True),
        ("flag is not False", True),
        ("None is missing", True),
    ],
)
def test_comparisons(source: str, expected: bool) -> None:
    assert ev(source, x=4, flag=True) is expected


def test_chained_comparison_evaluates_middle_operand_once() -> None:
    # ``len(s) * 2`` sits in the middle: if it were evaluated twice the result would still be right,
    # so check the generated chain against Python's own semantics on several values instead.
    expression = compile_expression("0 < len(s) * 2 <= 6")
    for text, expected in [("", False), ("a", True), ("abc", True), ("abcd", False)]:
        assert expression.evaluate({"s": text}) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("missing >= 5", False),
        ("missing < 5", False),
        ("5 > missing", False),
        ("'a' < 1", False),
        ("1 in missing", False),
        ("1 not in missing", False),
        ("missing == None", True),
        ("missing != 3", True),
        ("1 < missing < 3", False),
        ("not missing", True),
    ],
)
def test_missing_names_and_type_mismatches_make_comparisons_false(source: str, expected: bool) -> None:
    assert ev(source) is expected


def test_unknown_name_is_none() -> None:
    assert ev("missing") is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("order.qty", 5),
        ("order.customer.tier", "gold"),
        ("order.nothing", None),
        ("order.qty.deeper", None),
        ("missing.qty", None),
        ("items[0]", 10),
        ("items[-1]", 30),
        ("items[7]", None),
        ("order['qty']", 5),
        ("order['customer']['tier']", "gold"),
        ("order['nope']", None),
        ("missing[0]", None),
        ("name[0]", "a"),
        ("rows[1].price", 2.5),
        ("order.qty * rows[1].price", 12.5),
    ],
)
def test_dotted_access_and_subscripts(source: str, expected: Any) -> None:
    context = {
        "order": {"qty": 5, "customer": {"tier": "gold"}},
        "items": [10, 20, 30],
        "name": "abc",
        "rows": [{"price": 1.0}, {"price": 2.5}],
    }
    assert ev(source, **context) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len(items)", 3),
        ("len(name)", 3),
        ("min(3, 1, 2)", 1),
        ("max(items)", 30),
        ("abs(-2.5)", 2.5),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2),
        ("int('42')", 42),
        ("int('ff', 16)", 255),
        ("int(3.9)", 3),
        ("float('1.5')", 1.5),
        ("str(12)", "12"),
        ("bool(0)", False),
        ("lower(name)", "abc"),
        ("upper(name)", "ABC"),
        ("lower(missing)", None),
        ("upper(missing) == 'X'", False),
    ],
)
def test_functions(source: str, expected: Any) -> None:
    assert ev(source, items=[10, 20, 30], name="aBc") == expected


def test_allowed_functions_are_documented_set() -> None:
    assert sorted(ALLOWED_FUNCTIONS) == [
        "abs", "bool", "float", "int", "len", "lower", "max", "min", "round", "str", "upper",
    ]  # fmt: skip


def test_context_names_may_shadow_function_names() -> None:
    # ``max`` as a plain name is a context value; called, it is the function.
    expression = compile_expression("value <= max and max(value, 1) == value")
    assert expression.names == frozenset({"value", "max"})
    assert expression.evaluate({"value": 3, "max": 5}) is True


def test_names_exclude_functions_and_nested_keys() -> None:
    assert compile_expression("len(order.items) > limit").names == frozenset({"order", "limit"})
    assert compile_expression("1 + 1").names == frozenset()


def test_any_mapping_works_as_context() -> None:
    from types import MappingProxyType

    assert compile_expression("a + 1").evaluate(MappingProxyType({"a": 1})) == 2


def test_compile_error_names_path_and_construct() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("x.__class__", path="transitions[3].guards[1].expr")
    error = info.value
    assert str(error).startswith("transitions[3].guards[1].expr: invalid expression 'x.__class__'")
    assert error.path == "transitions[3].guards[1].expr"
    assert error.expression == "x.__class__"
    assert error.construct == "attribute '__class__'"
    assert error.errors == [str(error)]
    assert error.code == pystator.ErrorCode.CONFIG


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x >", "syntax error"),
        ("x = 1", "syntax error"),
        ("len()", "len() takes 1 arguments, got 0"),
        ("round(1, 2, 3)", "round() takes 1 to 2 arguments, got 3"),
        ("min()", "min() takes 1 to any number of arguments"),
        ("max(a, key=b)", "takes no keyword arguments"),
        ("name.lower()", "method call '.lower()'"),
        ("x[1:2]", "slice is not allowed"),
        ("{'a': 1}", "dict literal is not allowed"),
        ("b'x'", "bytes literal"),
        ("...", "ellipsis literal"),
        ("x is 'a'", "may only compare with None, True or False"),
        ("_private", "names starting with '_'"),
        ("x >> 2", "shift '>>'"),
        ("~x", "bitwise '~'"),
    ],
)
def test_compile_errors(source: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match="invalid expression") as info:
        compile_expression(source)
    assert fragment in str(info.value)


def test_non_string_source_is_refused() -> None:
    with pytest.raises(ExpressionError, match="expected an expression string, got int"):
        compile_expression(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "context", "fragment"),
    [
        ("a + 1", {}, "TypeError"),
        ("1 / zero", {"zero": 0}, "ZeroDivisionError"),
        ("5 % zero", {"zero": 0}, "ZeroDivisionError"),
        ("len(n)", {"n": 3}, "TypeError"),
        ("int(s)", {"s": "abc"}, "ValueError"),
        ("lower(n)", {"n": 3}, "lower() takes a string"),
        ("items['a']", {"items": [1]}, "must be an integer"),
        ("n[0]", {"n": 3}, "cannot index into a value of type int"),
        ("'%s' % x", {"x": 1}, "string formatting"),
        ("2.0 ** 5000", {}, "OverflowError"),
    ],
)
def test_runtime_errors(source: str, context: dict[str, Any], fragment: str) -> None:
    expression = compile_expression(source, path="states[0].on_enter[0].compute.total")
    with pytest.raises(ExpressionEvaluationError) as info:
        expression.evaluate(context)
    error = info.value
    assert fragment in str(error)
    assert str(error).startswith(f"states[0].on_enter[0].compute.total: expression {source!r} failed")
    assert error.expression == source
    assert error.limit == ""
    assert isinstance(error.__cause__, Exception)


def test_non_mapping_context_is_an_evaluation_error() -> None:
    with pytest.raises(ExpressionEvaluationError, match="the context must be a mapping, got list"):
        compile_expression("a > 1").evaluate([1, 2])  # type: ignore[arg-type]


def test_expression_without_names_ignores_context() -> None:
    assert compile_expression("1 < 2").evaluate({}) is True


def test_repr() -> None:
    assert repr(compile_expression("a > 1")) == "CompiledExpression('a > 1')"

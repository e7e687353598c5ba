"""The lowered form of an expression (outer ``and`` / ``or`` / comparisons as inline statements, see
``pystator._expression_lowering``) against the reference form (every comparison a helper call):
same value, same error, same budgets, over generated expressions and awkward context values."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pystator import ExpressionError, ExpressionEvaluationError, compile_expression
from pystator.expressions import CompiledExpression, _compile


class Unorderable:
    """Compares equal to nothing, refuses ordering and ``in`` with TypeError."""

    def __lt__(self, other: object) -> bool:
        raise TypeError("no ordering")

    __le__ = __gt__ = __ge__ = __lt__

    def __contains__(self, item: object) -> bool:
        raise TypeError("no membership")

    def __repr__(self) -> str:
        return "Unorderable()"


class Truthless:
    """Orders like 0 but the result of every comparison has no truth value (numpy-style)."""

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def _answer(self, other: object) -> Truthless:
        return self

    __lt__ = __le__ = __gt__ = __ge__ = _answer  # type: ignore[assignment]

    def __eq__(self, other: object) -> Any:
        return self

    def __ne__(self, other: object) -> Any:
        return self

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise self.error("no truth value")

    def __repr__(self) -> str:
        return f"Truthless({self.error.__name__})"


class Exploding:
    """Ordering raises something other than TypeError: an error, not a false comparison."""

    def __lt__(self, other: object) -> bool:
        raise ValueError("exploded")

    __le__ = __gt__ = __ge__ = __lt__

    def __repr__(self) -> str:
        return "Exploding()"


OPAQUE = [Unorderable(), Truthless(TypeError), Truthless(ValueError), Exploding()]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0, math.inf, math.nan]),
    st.sampled_from(["", "a", "ab", "b"]),
    st.sampled_from(OPAQUE),
)


class Record(dict[str, Any]):
    """A dict subclass: lookups take the helper, not the inline ``dict.get``."""


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    mappings = st.dictionaries(st.sampled_from(["k", "j", 0, 1]), children, max_size=3)
    return st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children),
        mappings,
        mappings.map(Record),
        mappings.map(MappingProxyType),
    )


VALUES = st.recursive(SCALARS, _containers, max_leaves=6)

NAMES = ["a", "b", "c", "missing"]
LEAVES = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(["0", "1", "2.5", "-1", "'a'", "'ab'", "None", "True", "False", "(1, 'a')", "[1, 2]"]),
    st.sampled_from(["a.k", "b.j.k", "c[0]", "a['k']", "b[1]", "c[a]", "b[c[0]]", "a[b.k].j", "b[-1]"]),
)
COMPARISONS = ["<", "<=", ">", ">=", "==", "!=", "in", "not in"]


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    compare = st.tuples(
        children,
        st.lists(st.tuples(st.sampled_from(COMPARISONS), children), min_size=1, max_size=3),
    ).map(lambda t: "(" + t[0] + "".join(f" {op} {operand}" for op, operand in t[1]) + ")")
    identity = st.tuples(children, st.sampled_from(["is", "is not"]), st.sampled_from(["None", "True"])).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    logic = st.tuples(
        children, st.lists(st.tuples(st.sampled_from(["and", "or"]), children), min_size=1)
    ).map(lambda t: "(" + t[0] + "".join(f" {op} {operand}" for op, operand in t[1]) + ")")
    arithmetic = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "%", "**"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    unary = st.tuples(st.sampled_from(["not ", "-"]), children).map(lambda t: f"({t[0]}{t[1]})")
    call = st.tuples(st.sampled_from(["len", "abs", "lower", "bool", "str"]), children).map(
        lambda t: f"{t[0]}({t[1]})"
    )
    conditional = st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    return st.one_of(compare, compare, logic, logic, identity, arithmetic, unary, call, conditional)


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=8)


def _outcome(expression: CompiledExpression, context: Any) -> tuple[str, Any]:
    try:
        return "value", expression.evaluate(context)
    except ExpressionEvaluationError as exc:
        return "error", (str(exc), exc.limit, type(exc.__cause__))


def _truth(value: Any) -> tuple[str, Any]:
    try:
        return "truth", bool(value)
    except Exception as exc:
        return "no truth", type(exc)


def _same(ours: tuple[str, Any], reference: tuple[str, Any]) -> bool:
    if ours[0] != reference[0]:
        return False
    left, right = ours[1], reference[1]
    if ours[0] == "error":
        return bool(left == right)
    if isinstance(right, float) and math.isnan(right):
        return isinstance(left, float) and math.isnan(left)
    if left is right:
        return True
    if type(left) is not type(right):
        return False
    return _truth(left) == _truth(right) and repr(left) == repr(right)


def _both(source: str) -> tuple[CompiledExpression, CompiledExpression] | None:
    try:
        reference = _compile(source, "", lowered=False)
    except ExpressionError:
        with pytest.raises(ExpressionError):
            compile_expression(source)
        return None
    return compile_expression(source), reference


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # compile() on e.g. `-1 is True`, as always
@settings(max_examples=1500, deadline=None)
@given(EXPRESSIONS, VALUES, VALUES, VALUES)
def test_lowered_form_agrees_with_the_reference_form(source: str, a: Any, b: Any, c: Any) -> None:
    pair = _both(source)
    if pair is None:
        return
    lowered, reference = pair
    context = {"a": a, "b": b, "c": c}
    ours, theirs = _outcome(lowered, context), _outcome(reference, context)
    assert _same(ours, theirs), (source, context, ours, theirs)
    if ours[0] == "value":  # a guard takes the truth of the value: that must fail alike too
        assert _truth(ours[1]) == _truth(theirs[1]), source


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("a >= b", {"a": 2, "b": 1}, True),
        ("a >= b", {"a": None, "b": 1}, False),
        ("a >= b", {"a": "x", "b": 1}, False),
        ("a in b", {"a": 1, "b": None}, False),
        ("a not in b", {"a": 1, "b": None}, False),
        ("a >= b", {"a": Unorderable(), "b": 1}, False),
        ("a >= b", {"a": Truthless(TypeError), "b": 1}, False),
        ("0 < a <= b", {"a": 1, "b": 1}, True),
        ("0 < a <= b", {"a": None, "b": 1}, False),
        ("a == 1 or a > 5", {"a": 7}, True),
        ("a and b", {"a": 0, "b": 1}, 0),
        ("a or b", {"a": "", "b": []}, []),
        ("a > 1 and b", {"a": 2, "b": "yes"}, "yes"),
        ("a.k > 1 and b[0] < 3", {"a": {"k": 2}, "b": [1]}, True),
        ("a.k > 1 and b[0] < 3", {"a": 5, "b": [1]}, False),
    ],
)
def test_lowered_comparisons(source: str, context: dict[str, Any], expected: Any) -> None:
    value = compile_expression(source).evaluate(context)
    assert type(value) is type(expected)
    assert value == expected


@pytest.mark.parametrize(
    ("source", "context", "fragment"),
    [
        # A TypeError while computing an operand is an error, not a false comparison.
        ("a + 1 > 0", {"a": None}, "TypeError"),
        ("0 < a + 1", {"a": "x"}, "TypeError"),
        ("a > 1 and b * 2 > 0", {"a": 2, "b": None}, "TypeError"),
        ("c[0] > 1", {"c": 5}, "cannot index"),
        # Anything but a TypeError from the comparison itself is an error too.
        ("a > 1", {"a": Exploding()}, "ValueError: exploded"),
        ("a > 1 or b", {"a": Truthless(ValueError)}, "ValueError: no truth value"),
        # Budgets still apply in every position.
        ("a ** 100000 > 1", {"a": 10}, "evaluation limit exceeded"),
        ("b > 0 and a * 100000 == ''", {"a": "xy", "b": 1}, "evaluation limit exceeded"),
    ],
)
def test_lowered_errors(source: str, context: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ExpressionEvaluationError, match=fragment):
        compile_expression(source).evaluate(context)
    with pytest.raises(ExpressionEvaluationError, match=fragment):
        _compile(source, "", lowered=False).evaluate(context)


def test_chained_middle_operand_is_computed_once() -> None:
    seen: list[str] = []

    class Recording(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            seen.append(key)
            return super().get(key, default)

    context = Recording(a=1, b=2, c=3)
    assert compile_expression("a < b + 1 < c + 2 > len(str(a))").evaluate(context) is True
    assert seen == ["a", "b", "c"]


def test_unchecked_is_the_same_function_without_the_error_wrapping() -> None:
    expression = compile_expression("a + 1 > b")
    assert expression.unchecked({"a": 1, "b": 1}) is True
    with pytest.raises(TypeError):
        expression.unchecked({"a": None, "b": 1})
    with pytest.raises(ExpressionEvaluationError):
        expression.evaluate({"a": None, "b": 1})

"""Property tests: allowed arithmetic/comparison expressions agree with Python; only the two
documented error types ever escape compilation or evaluation."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pystator import ExpressionError, ExpressionEvaluationError, compile_expression

NUMBERS = st.one_of(
    st.integers(min_value=-20, max_value=20).map(str),
    st.floats(min_value=-20, max_value=20, allow_nan=False).map(lambda f: repr(round(f, 3))),
    st.sampled_from(["x", "y", "True", "False"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "//", "%"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    power = st.tuples(children, st.integers(min_value=0, max_value=3)).map(lambda t: f"({t[0]} ** {t[1]})")
    compare = st.tuples(
        children,
        st.lists(
            st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children), min_size=1, max_size=3
        ),
    ).map(lambda t: "(" + t[0] + "".join(f" {op} {operand}" for op, operand in t[1]) + ")")
    logic = st.tuples(children, st.sampled_from(["and", "or"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    unary = st.tuples(st.sampled_from(["-", "not ", "+"]), children).map(lambda t: f"({t[0]}{t[1]})")
    conditional = st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    functions = st.tuples(st.sampled_from(["abs", "int", "float", "bool", "round"]), children).map(
        lambda t: f"{t[0]}({t[1]})"
    )
    return st.one_of(binary, power, compare, logic, unary, conditional, functions)


EXPRESSIONS = st.recursive(NUMBERS, _combine, max_leaves=10)


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return type(ours) is type(theirs) and ours == theirs


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS, st.integers(-5, 5), st.floats(-5, 5, allow_nan=False))
def test_agrees_with_python(source: str, x: int, y: float) -> None:
    context = {"x": x, "y": y}
    python_builtins = {"abs": abs, "int": int, "float": float, "bool": bool, "round": round}
    try:
        theirs = eval(source, {"__builtins__": python_builtins}, dict(context))
    except TypeError:
        # Python refuses e.g. ordering complex numbers; the evaluator makes such comparisons false.
        assume(False)
        return
    except (ArithmeticError, ValueError):
        with pytest.raises(ExpressionEvaluationError) as info:
            compile_expression(source).evaluate(context)
        assert info.value.limit == ""
        return
    assert _same(compile_expression(source).evaluate(context), theirs), source


TOKENS = st.sampled_from(
    [
        "x", "y", "_", "__class__", ".", "(", ")", "[", "]", "{", "}", ",", ":", "'a'", '"b"', "1", "0",
        "2.5", "**", "*", "+", "-", "/", "%", "<", ">=", "==", "is", "not", "in", "and", "or", "if",
        "else", "lambda", "len", "max", "lower", "round", "open", "for", " ", "\n", "=", ":=", "@", "f'",
        "9" * 50, "None", "True", "\\", "#", ";",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(TOKENS, max_size=25).map("".join),
        st.lists(TOKENS, max_size=25).map(" ".join),
        st.text(max_size=40),
    )
)
def test_compile_raises_only_expression_error(source: str) -> None:
    try:
        compiled = compile_expression(source)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionEvaluationError):
        compiled.evaluate({"x": 3, "y": [1, "a", None], "z": {"k": 1}})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)

SAMPLE_EXPRESSIONS = [
    "a >= b",
    "a + b * 2",
    "a ** 3 - b",
    "a[0] < b.k",
    "len(a) > 2 and lower(b) == 'x'",
    "max(a, b) if a else min(b)",
    "a in b or a not in c",
    "round(a, 2) + int(b) / float(c)",
    "a % b // c",
    "str(a) * 3",
    "-a < +b <= (not c)",
    "upper(a.k.j)",
    "abs(a) * bool(b)",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLE_EXPRESSIONS), JSON_VALUES, JSON_VALUES, JSON_VALUES)
def test_evaluate_raises_only_evaluation_error(source: str, a: Any, b: Any, c: Any) -> None:
    with contextlib.suppress(ExpressionEvaluationError):
        compile_expression(source).evaluate({"a": a, "b": b, "c": c})

"""Hostile expressions: each is refused at compile time or stopped quickly by a budget at run time."""

from __future__ import annotations

import time

import pytest

from pystator import ExpressionError, ExpressionEvaluationError, compile_expression
from pystator._expression_runtime import MAX_DEPTH, MAX_NODES, MAX_SOURCE_LENGTH

# Refused before anything runs: (source, a fragment of the error message).
REFUSED_AT_COMPILE = [
    ("__import__('os').system('true')", "method call '.system()'"),
    ("__import__('os')", "function '__import__' is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "method call"),
    ("().__class__", "attribute access is not allowed ('__class__')"),
    ("x.__dict__", "attribute access is not allowed ('__dict__')"),
    ("x._private", "attribute access is not allowed ('_private')"),
    ("__builtins__", "names starting with '_'"),
    ("__builtins__['eval']", "names starting with '_'"),
    ("_context", "names starting with '_'"),
    ("_get('x')", "function '_get' is not allowed"),
    ("_fn_len(x)", "function '_fn_len' is not allowed"),
    ("_pow", "names starting with '_'"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("exec('x = 1')", "function 'exec' is not allowed"),
    ("open('/etc/passwd')", "function 'open' is not allowed"),
    ("getattr(x, 'y')", "function 'getattr' is not allowed"),
    ("type(x)", "function 'type' is not allowed"),
    ("globals()", "function 'globals' is not allowed"),
    ("vars()", "function 'vars' is not allowed"),
    ("import os", "syntax error"),
    ("lambda: 1", "lambda is not allowed"),
    ("(lambda f: f(f))(lambda f: f(f))", "call is not allowed"),
    ("[x for x in range(10**9)]", "list comprehension is not allowed"),
    ("{x for x in y}", "set comprehension is not allowed"),
    ("{x: 1 for x in y}", "dict comprehension is not allowed"),
    ("sum(x for x in y)", "function 'sum' is not allowed"),
    ("max(x for x in y)", "generator expression is not allowed"),
    ("f'{x}'", "f-string is not allowed"),
    ("f'{x:{y}}'", "f-string is not allowed"),
    ("f'{x!r:>1000000000}'", "f-string is not allowed"),
    ("'{0.__class__}'.format(x)", "method call '.format()'"),
    ("(y := 1)", "assignment expression ':=' is not allowed"),
    ("[*x]", "star unpacking is not allowed"),
    ("max(*x)", "star unpacking is not allowed"),
    ("1 << 10**9", "shift '<<'"),
    ("x @ y", "matrix product '@'"),
    ("x | y", "bitwise '|'"),
    ("await x", "await"),
    ("(yield)", "yield"),
    ("x.y()", "method call '.y()'"),
    ("x[0]()", "call is not allowed"),
    ("x if y else z; import os", "syntax error"),
    ("x\nimport os", "syntax error"),
    ("1" * 5000, f"limit {MAX_SOURCE_LENGTH}"),
    ("9" * 1300, "integer literal is larger than"),
    ("+".join(["a"] * (MAX_DEPTH + 5)), "nested too deeply"),
    ("-" * (MAX_DEPTH + 5) + "1", "nested too deeply"),
    ("not " * (MAX_DEPTH + 5) + "x", "nested too deeply"),
    ("[" + ",".join(["1"] * (MAX_NODES + 1)) + "]", f"more than {MAX_NODES} nodes"),
    ("(" * 250 + "1" + ")" * 250, "syntax error"),
    ("[" * 300 + "]" * 300, "syntax error"),
    ("x is 1", "may only compare with None"),
    ("'\\x00' + \0", "null bytes"),
]

# Accepted (they are well-formed conditions) but stopped by a budget when evaluated.
STOPPED_AT_RUN_TIME = [
    ("9**9**9", {}, "MAX_INT_BITS"),
    ("2 ** 10**9", {}, "MAX_INT_BITS"),
    ("x ** x", {"x": 10**6}, "MAX_INT_BITS"),
    ("(10 ** 1000) * (10 ** 1000)", {}, "MAX_INT_BITS"),
    ("'a' * 10**9", {}, "MAX_SEQUENCE_LENGTH"),
    ("10**9 * 'a'", {}, "MAX_SEQUENCE_LENGTH"),
    ("[0] * 10**9", {}, "MAX_SEQUENCE_LENGTH"),
    ("s * 2", {"s": "x" * 6000}, "MAX_SEQUENCE_LENGTH"),
    ("s + s", {"s": "x" * 6000}, "MAX_SEQUENCE_LENGTH"),
    ("(s * 100) * 100 * 100", {"s": "ab"}, "MAX_SEQUENCE_LENGTH"),
    ("round(5, -10**7)", {}, "MAX_ROUND_DIGITS"),
    ("round(1.5, 10**9)", {}, "MAX_ROUND_DIGITS"),
]


@pytest.mark.parametrize(("source", "fragment"), REFUSED_AT_COMPILE)
def test_refused_at_compile_time(source: str, fragment: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, path="transitions[0].guards[0].expr")
    assert time.perf_counter() - started < 1.0
    assert fragment in str(info.value)
    assert str(info.value).startswith("transitions[0].guards[0].expr: invalid expression")


@pytest.mark.parametrize(("source", "context", "limit"), STOPPED_AT_RUN_TIME)
def test_stopped_by_a_budget(source: str, context: dict[str, object], limit: str) -> None:
    expression = compile_expression(source)
    started = time.perf_counter()
    with pytest.raises(ExpressionEvaluationError) as info:
        expression.evaluate(context)
    assert time.perf_counter() - started < 0.5
    assert info.value.limit == limit
    assert "evaluation limit exceeded" in str(info.value)


def test_corpus_is_large_enough() -> None:
    assert len(REFUSED_AT_COMPILE) + len(STOPPED_AT_RUN_TIME) >= 30


def test_values_just_under_the_budgets_still_work() -> None:
    assert compile_expression("2 ** 4000 > 0").evaluate({}) is True
    assert len(compile_expression("'a' * 10000").evaluate({})) == 10_000
    assert compile_expression("1 ** 10**9").evaluate({}) == 1
    assert compile_expression("(-1) ** 10**9").evaluate({}) == 1
    assert compile_expression("2 ** -10**9").evaluate({}) == 0.0
    assert compile_expression("round(1.23456, 32)").evaluate({}) == 1.23456


def test_generated_code_has_no_builtins() -> None:
    # Even if a name slipped through, the function's globals hold no builtins to reach.
    expression = compile_expression("x")
    function = expression._function
    assert function.__globals__["__builtins__"] == {}
    assert all(name.startswith("_") for name in function.__globals__)


def test_context_values_cannot_be_called_or_introspected() -> None:
    # A callable in the context is just a value: it is never called, and its attributes are
    # unreachable (dotted access only reads mapping keys).
    calls: list[int] = []

    def hostile() -> None:
        calls.append(1)

    expression = compile_expression("fn.code")
    assert expression.evaluate({"fn": hostile}) is None
    assert compile_expression("fn == fn").evaluate({"fn": hostile}) is True
    assert calls == []

"""Cost of evaluating config expressions, side by side with the hand-written Python lambda.

Target: an ``expr`` guard like ``fill_qty >= order_qty`` costs at most ~1 us over a flat process,
so evaluating it should stay well under 1 us. Also shows compile cost (paid once, at load time) and
simpleeval's tree-walking evaluation of the same expression for reference.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Mapping
from typing import Any

from _figures import Figure, per_call_us

from pystator import compile_expression
from pystator.conditions import compile_condition

CONTEXT: dict[str, Any] = {
    "fill_qty": 10,
    "order_qty": 10,
    "status": "open",
    "price": 101.5,
    "limit": 100.0,
    "order": {"customer": {"tier": "gold"}},
}

CASES: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = [
    ("fill_qty >= order_qty", lambda c: c.get("fill_qty") >= c.get("order_qty")),
    (
        "status == 'open' and price * fill_qty > limit",
        lambda c: c.get("status") == "open" and c.get("price") * c.get("fill_qty") > c.get("limit"),
    ),
    (
        "order.customer.tier in ('gold', 'platinum')",
        lambda c: c["order"]["customer"]["tier"] in ("gold", "platinum"),
    ),
    ("0 < fill_qty <= order_qty", lambda c: 0 < c.get("fill_qty") <= c.get("order_qty")),
]


def _simpleeval_us(source: str) -> float | None:
    try:
        from simpleeval import EvalWithCompoundTypes
    except ImportError:
        return None
    evaluator = EvalWithCompoundTypes(names=CONTEXT)
    tree = ast.parse(source, mode="eval").body
    try:
        evaluator._eval(tree)
    except Exception:  # a form simpleeval does not support: no reference figure
        return None
    return per_call_us(lambda: evaluator._eval(tree), calls=50_000)


def _compile_us(source: str, calls: int = 2_000) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        compile_expression(source)
    return (time.perf_counter() - started) / calls * 1e6


def run() -> list[Figure]:
    figures: list[Figure] = []
    for source, handwritten in CASES:
        expression = compile_expression(source)
        assert expression.evaluate(CONTEXT) == handwritten(CONTEXT), source
        ours = per_call_us(lambda e=expression: e.evaluate(CONTEXT))
        theirs = per_call_us(lambda f=handwritten: f(CONTEXT))
        target = "< 1 us" if source == "fill_qty >= order_qty" else ""
        figures.append(Figure(f"evaluate  {source}", ours, "us", target))
        figures.append(Figure("  raw Python lambda, same expression", theirs, "us"))
        figures.append(Figure("  overhead over the lambda", ours - theirs, "us"))
        reference = _simpleeval_us(source)
        if reference is not None:
            figures.append(Figure("  simpleeval tree walk (parsed once), for reference", reference, "us"))
    guard = compile_condition("fill_qty >= order_qty")
    figures.append(
        Figure(
            "predicate from compile_condition('fill_qty >= order_qty')",
            per_call_us(lambda: guard(CONTEXT)),
            "us",
        )
    )
    figures.append(
        Figure("compile_expression (once per expression, at load)", _compile_us(CASES[1][0]), "us")
    )
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())

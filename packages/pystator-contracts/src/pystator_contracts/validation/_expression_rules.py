"""Semantic rules about config-borne logic: expressions parse, ``branch`` entries nest boundedly.

By default only syntax is checked here; the core passes its expression compiler as
``expression_checker`` so that its allow-list is applied too, and every problem is reported at once.
"""

from __future__ import annotations

import ast

from pystator_contracts._render import show
from pystator_contracts.references import iter_references
from pystator_contracts.validation._context import RuleContext

__all__ = ["MAX_BRANCH_DEPTH", "check_expressions"]

MAX_BRANCH_DEPTH = 8


def check_expressions(ctx: RuleContext) -> None:
    too_deep_reported = False
    found = iter_references(
        ctx.config, ctx.origins, states=ctx.graph.logic_states, transitions=ctx.logic_transitions
    )
    for ref in found:
        if ref.branch_depth > MAX_BRANCH_DEPTH and not too_deep_reported:
            ctx.add(ref.path, f"branch entries nest deeper than {MAX_BRANCH_DEPTH} levels")
            too_deep_reported = True
        if ref.kind == "expression":
            if ctx.expression_checker is not None:
                problem = ctx.expression_checker(ref.value, ref.path)
            else:
                problem = syntax_problem(ref.value)
                problem = problem and f"invalid expression {show(ref.value)}: {problem}"
            if problem:
                ctx.add(ref.path, problem)


def syntax_problem(source: str) -> str | None:
    """Why ``source`` is not a Python expression, or None when it parses."""
    try:
        ast.parse(source, mode="eval")
    except SyntaxError as exc:
        return str(exc.msg)
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc) or type(exc).__name__
    return None

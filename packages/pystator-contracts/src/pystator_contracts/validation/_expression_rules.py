"""Semantic rules about config-borne logic: expressions parse, ``branch`` entries nest boundedly.

Only syntax is checked here (the core's expression compiler applies its own allow-list when the
machine is built); a syntax error is still worth reporting with every other problem at once.
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
    for ref in iter_references(ctx.config, ctx.origins):
        if ref.branch_depth > MAX_BRANCH_DEPTH and not too_deep_reported:
            ctx.add(ref.path, f"branch entries nest deeper than {MAX_BRANCH_DEPTH} levels")
            too_deep_reported = True
        if ref.kind == "expression":
            problem = syntax_problem(ref.value)
            if problem is not None:
                ctx.add(ref.path, f"invalid expression {show(ref.value)}: {problem}")


def syntax_problem(source: str) -> str | None:
    """Why ``source`` is not a Python expression, or None when it parses."""
    try:
        ast.parse(source, mode="eval")
    except SyntaxError as exc:
        return str(exc.msg)
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc) or type(exc).__name__
    return None

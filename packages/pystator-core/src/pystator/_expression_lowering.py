"""Lowering of a translated expression's outer ``and`` / ``or`` / comparisons into statements.

:mod:`pystator.expressions` translates an expression into one Python expression in which every
ordering comparison and ``in`` / ``not in`` is a call of a tolerant helper (``_ge(a, b)``: the
comparison as a bool, ``False`` when Python raises ``TypeError``). A guard is usually nothing but
such comparisons joined by ``and`` / ``or``, and there the helper calls are most of the cost. So
the outer layer of the translated expression is rewritten into statements that do the same work
inline, with the same semantics::

    _ge(a, b)            ->  try: return True if a >= b else False
                             except TypeError: return False

    x and y              ->  _v1 = <x>;  if not _v1: return _v1;  <y in return position>

Operands that are not plain names or constants are first assigned to temporaries, outside the
``try``, so that a ``TypeError`` raised while computing an operand escapes exactly as it does from
the helper call (whose arguments are evaluated before the call). Everything below the outer layer
stays the translated expression, helpers and all, except lookups: ``a.k`` and ``a[k]`` on a plain
``dict`` (the usual case) are done inline, anywhere in the expression::

    _field(a, "k")       ->  (_w1.get("k") if _type(_w1 := a) is _dict else _field(_w1, "k"))
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator

__all__ = ["GLOBALS", "TOLERANT_OPERATORS", "lower_return"]

TOLERANT_OPERATORS: dict[str, ast.cmpop] = {
    "_lt": ast.Lt(),
    "_le": ast.LtE(),
    "_gt": ast.Gt(),
    "_ge": ast.GtE(),
    "_in": ast.In(),
    "_not_in": ast.NotIn(),
}
"""The tolerant comparison helpers of :mod:`pystator._expression_runtime` and their operators."""

_TYPE_ERROR = "_TypeError"
_TYPE = "_type"
_DICT = "_dict"
GLOBALS: dict[str, object] = {_TYPE_ERROR: TypeError, _TYPE: type, _DICT: dict}
"""What the lowered statements need besides the runtime helpers (the function has no builtins)."""

_LOOKUPS = ("_field", "_item")  # the helpers of ``a.k`` and ``a[k]``: on a dict, ``a.get(k)``
_TEMP_PREFIX = "_v"
_LOOKUP_TEMP_PREFIX = "_w"


def lower_return(body: ast.expr) -> list[ast.stmt]:
    """Statements that return the value of the translated expression ``body``."""
    return _Lowering().returning(_InlineLookups().visit(body))


class _InlineLookups(ast.NodeTransformer):
    """``_field(x, k)`` / ``_item(x, k)`` -> ``x.get(k)`` when ``x`` is a dict, the helper otherwise;
    ``x`` is evaluated once, and only a key that is a name or a constant is inlined (it is written
    in both branches)."""

    def __init__(self) -> None:
        self._counter: Iterator[int] = itertools.count(1)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if not (
            isinstance(node.func, ast.Name)
            and node.func.id in _LOOKUPS
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant | ast.Name)  # it appears twice below
            and not node.keywords
        ):
            return node
        name = f"{_LOOKUP_TEMP_PREFIX}{next(self._counter)}"
        container, key = node.args
        bound = ast.NamedExpr(ast.Name(name, ast.Store()), container)
        is_dict = ast.Compare(
            ast.Call(ast.Name(_TYPE, ast.Load()), [bound], []), [ast.Is()], [ast.Name(_DICT, ast.Load())]
        )
        get = ast.Attribute(ast.Name(name, ast.Load()), "get", ast.Load())
        fallback = ast.Call(node.func, [ast.Name(name, ast.Load()), key], [])
        return ast.IfExp(is_dict, ast.Call(get, [key], []), fallback)


class _Lowering:
    def __init__(self) -> None:
        self._counter: Iterator[int] = itertools.count(1)

    def _temp(self) -> str:
        return f"{_TEMP_PREFIX}{next(self._counter)}"

    def returning(self, node: ast.expr) -> list[ast.stmt]:
        if isinstance(node, ast.BoolOp):
            statements: list[ast.stmt] = []
            for value in node.values[:-1]:
                name = self._temp()
                statements += self._assigning(value, name)
                # ``x and y`` is x when x is falsy, ``x or y`` is x when x is truthy.
                test: ast.expr = ast.Name(name, ast.Load())
                if isinstance(node.op, ast.And):
                    test = ast.UnaryOp(ast.Not(), test)
                statements.append(ast.If(test, [ast.Return(ast.Name(name, ast.Load()))], []))
            return statements + self.returning(node.values[-1])
        comparison = self._tolerant(node)
        if comparison is None:
            return [ast.Return(node)]
        prelude, compare = comparison
        return [*prelude, _tolerant_try(compare, ast.Return)]

    def _assigning(self, node: ast.expr, name: str) -> list[ast.stmt]:
        """Statements that set the local ``name`` to the value of ``node``."""
        comparison = self._tolerant(node)
        if comparison is None:
            return [_assign(name, node)]
        prelude, compare = comparison
        return [*prelude, _tolerant_try(compare, lambda value: _assign(name, value))]

    def _tolerant(self, node: ast.expr) -> tuple[list[ast.stmt], ast.Compare] | None:
        """For a tolerant helper call: the operand assignments and the bare comparison."""
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in TOLERANT_OPERATORS
            and len(node.args) == 2
            and not node.keywords
        ):
            return None
        prelude: list[ast.stmt] = []
        operands: list[ast.expr] = []
        for operand in node.args:
            if isinstance(operand, ast.Name | ast.Constant):
                operands.append(operand)
            else:
                name = self._temp()
                prelude.append(_assign(name, operand))
                operands.append(ast.Name(name, ast.Load()))
        compare = ast.Compare(operands[0], [TOLERANT_OPERATORS[node.func.id]], [operands[1]])
        return prelude, compare


def _assign(name: str, value: ast.expr) -> ast.stmt:
    return ast.Assign(targets=[ast.Name(name, ast.Store())], value=value)


def _tolerant_try(compare: ast.Compare, finish: Callable[[ast.expr], ast.stmt]) -> ast.stmt:
    """``try: finish(True if compare else False) except TypeError: finish(False)``."""
    as_bool = ast.IfExp(compare, ast.Constant(True), ast.Constant(False))
    handler = ast.ExceptHandler(ast.Name(_TYPE_ERROR, ast.Load()), None, [finish(ast.Constant(False))])
    return ast.Try([finish(as_bool)], [handler], [], [])

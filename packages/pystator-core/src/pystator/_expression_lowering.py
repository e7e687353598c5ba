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
stays the translated expression, helpers and all, except lookups: the translator writes ``a.k``
and ``a[k]`` so that a plain ``dict`` (the usual case) is read inline, anywhere in the expression
(``inline_lookup``)::

    _field(a, "k")       ->  (_t1.get("k") if _type(_t1 := a) is _dict else _field(_t1, "k"))
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator

__all__ = ["GLOBALS", "TOLERANT_OPERATORS", "inline_lookup", "lower_return"]

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

_TEMP_PREFIX = "_v"


def lower_return(body: ast.expr) -> list[ast.stmt]:
    """Statements that return the value of the translated expression ``body``."""
    return _Lowering().returning(body)


def inline_lookup(helper: str, container: ast.expr, key: ast.Name | ast.Constant, temp: str) -> ast.expr:
    """``helper(container, key)`` (``_field`` / ``_item``) as ``temp.get(key)`` when the container is
    a dict, the helper call otherwise; ``container`` is evaluated once (into ``temp``), and ``key``
    must be a name or a constant since it is written in both branches."""
    bound = ast.NamedExpr(ast.Name(temp, ast.Store()), container)
    is_dict = ast.Compare(
        ast.Call(ast.Name(_TYPE, ast.Load()), [bound], []), [ast.Is()], [ast.Name(_DICT, ast.Load())]
    )
    get = ast.Call(ast.Attribute(ast.Name(temp, ast.Load()), "get", ast.Load()), [key], [])
    fallback = ast.Call(ast.Name(helper, ast.Load()), [ast.Name(temp, ast.Load()), key], [])
    return ast.IfExp(is_dict, get, fallback)


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

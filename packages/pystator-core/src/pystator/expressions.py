"""The one evaluator for expressions carried by configuration: ``expr:`` guards, ``compute:`` effects
and ``when:`` conditions.

Threat model: config authors are trusted to write conditions, not code; this evaluator refuses
everything else. An expression may read context values, compare, combine with ``and``/``or``/``not``,
do arithmetic, index into lists and nested mappings, and call a handful of pure functions. It cannot
reach an attribute of any object, import, define functions, loop, assign, or call anything but the
allow-listed functions, and every operation that could allocate without bound (``**``, ``*``, ``+``
on sequences, ``round``) runs under a budget far below what would hurt a process.

How: the source is parsed once, at compile time, with :mod:`ast`; each node is checked against an
allow-list and rewritten into a small Python function whose risky operators call the budgeted
helpers of :mod:`pystator._expression_runtime` (the outer comparisons are done inline, see
:mod:`pystator._expression_lowering`). That function is compiled with :func:`compile` and runs with
no builtins, so evaluation costs about as much as the equivalent hand-written lambda.

Semantics worth knowing (the guide ``docs/guides/expressions.md`` has the full list):

- A name missing from the context is ``None``; so is ``a.b`` when ``a`` is not a mapping or has no
  key ``b``, and ``xs[5]`` past the end of a list.
- An ordering comparison or ``in``/``not in`` that Python cannot perform between the two operand
  types (``None >= 5``, ``"a" < 1``, ``1 in None``) is ``False``; so a guard over a missing key is
  false rather than an error.
- Arithmetic on wrong types (``None + 1``), division by zero and exceeded budgets raise
  :class:`ExpressionEvaluationError`; nothing else ever escapes ``evaluate``.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from pystator import _expression_lowering as lowering
from pystator import _expression_runtime as runtime
from pystator.errors import ExpressionError, ExpressionEvaluationError

__all__ = [
    "ALLOWED_FUNCTIONS",
    "CompiledExpression",
    "ExpressionError",
    "ExpressionEvaluationError",
    "compile_expression",
]

ALLOWED_FUNCTIONS: frozenset[str] = frozenset(runtime.FUNCTIONS)
"""Functions an expression may call: abs bool float int len lower max min round str upper."""

_CONTEXT_ARG = "_context"
_TEMP_PREFIX = "_t"
_IDENTITY_CONSTANTS = (None, True, False)

_ARITHMETIC: dict[type[ast.operator], str | None] = {
    ast.Add: "_add",
    ast.Mult: "_mul",
    ast.Pow: "_pow",
    ast.Mod: "_mod",
    ast.Sub: None,  # native: cannot allocate beyond its operands
    ast.Div: None,
    ast.FloorDiv: None,
}
_TOLERANT_COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Lt: "_lt",
    ast.LtE: "_le",
    ast.Gt: "_gt",
    ast.GtE: "_ge",
    ast.In: "_in",
    ast.NotIn: "_not_in",
}
_NATIVE_COMPARISONS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
_UNARY = (ast.Not, ast.USub, ast.UAdd)

_REFUSED_NAMES: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression ':='",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Dict: "dict literal",
    ast.Slice: "slice",
    ast.Starred: "star unpacking",
    ast.BitAnd: "bitwise '&' (use 'and')",
    ast.BitOr: "bitwise '|' (use 'or')",
    ast.BitXor: "bitwise '^'",
    ast.LShift: "shift '<<'",
    ast.RShift: "shift '>>'",
    ast.MatMult: "matrix product '@'",
    ast.Invert: "bitwise '~'",
}


class CompiledExpression:
    """A validated expression, ready to evaluate against any context mapping.

    ``source`` is the text as written; ``names`` the top-level context names it reads (for
    ``order.qty`` that is ``order``). ``unchecked`` is the compiled function itself: the same value
    as ``evaluate``, but a failure escapes as whatever Python raised (for callers that only need to
    know that it failed, such as the engine's memo shortcut).
    """

    __slots__ = ("_function", "names", "path", "source", "unchecked")

    def __init__(
        self, source: str, path: str, names: frozenset[str], function: Callable[[Mapping[str, Any]], Any]
    ) -> None:
        self.source = source
        self.path = path
        self.names = names
        self._function = function
        self.unchecked = function

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The expression's value over ``context``; raises only :class:`ExpressionEvaluationError`."""
        try:
            return self._function(context)
        except Exception as exc:
            raise self._failure(exc, context) from exc

    def _failure(self, exc: Exception, context: object) -> ExpressionEvaluationError:
        where = f"{self.path}: " if self.path else ""
        if isinstance(exc, runtime.LimitExceeded):
            detail, limit = f"evaluation limit exceeded: {exc}", exc.limit
        elif not isinstance(context, Mapping):
            detail, limit = f"the context must be a mapping, got {type(context).__name__}", ""
        else:
            detail, limit = f"{type(exc).__name__}: {exc}", ""
        return ExpressionEvaluationError(
            f"{where}expression {self.source!r} failed: {detail}",
            path=self.path,
            expression=self.source,
            limit=limit,
        )

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


def compile_expression(source: str, *, path: str = "") -> CompiledExpression:
    """Validate ``source`` and compile it; raises :class:`ExpressionError` naming ``path`` and the problem.

    ``path`` says where the expression sits in the configuration (``transitions[2].guards[0].expr``)
    and prefixes every error message.
    """
    return _compile(source, path, lowered=True)


def _compile(source: str, path: str, *, lowered: bool) -> CompiledExpression:
    """``compile_expression``; ``lowered`` False keeps the outer comparisons as helper calls (the
    reference form the tests compare the lowered one with, see :mod:`pystator._expression_lowering`)."""
    if not isinstance(source, str):
        raise _refuse(source, path, f"expected an expression string, got {type(source).__name__}")
    if len(source) > runtime.MAX_SOURCE_LENGTH:
        raise _refuse(
            source[:60] + "...",
            path,
            f"expression is {len(source)} characters long (limit {runtime.MAX_SOURCE_LENGTH})",
        )
    if not source.strip():
        raise _refuse(source, path, "expression is empty")
    try:
        with warnings.catch_warnings():
            # ``1and x``-style ambiguity is a SyntaxWarning in Python; refuse it instead of warning.
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        column = f" (column {exc.offset})" if exc.offset else ""
        raise _refuse(source, path, f"syntax error: {exc.msg}{column}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _refuse(source, path, f"cannot parse: {type(exc).__name__}: {exc}") from None
    _check_size(tree, source, path)
    translator = _Translator(source, path, inline_lookups=lowered)
    body = translator.translate(tree.body)
    function = _build_function(body, translator.names, source, path, lowered=lowered)
    return CompiledExpression(source, path, frozenset(translator.names), function)


def _refuse(source: Any, path: str, problem: str, construct: str = "") -> ExpressionError:
    where = f"{path}: " if path else ""
    text = source if isinstance(source, str) else repr(source)
    return ExpressionError(
        f"{where}invalid expression {text!r}: {problem}", path=path, expression=text, construct=construct
    )


def _check_size(tree: ast.AST, source: str, path: str) -> None:
    """Bound node count and nesting depth iteratively, before any recursive pass touches the tree."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > runtime.MAX_NODES:
            raise _refuse(source, path, f"expression is too large (more than {runtime.MAX_NODES} nodes)")
        if depth > runtime.MAX_DEPTH:
            raise _refuse(source, path, f"expression is nested too deeply (limit {runtime.MAX_DEPTH})")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _build_function(
    body: ast.expr, names: list[str], source: str, path: str, *, lowered: bool
) -> Callable[[Mapping[str, Any]], Any]:
    """``def f(_context): <name> = _context.get("<name>") ...; return <body>`` (``body`` lowered
    into statements when ``lowered``).

    Every name is read up front, in order of first appearance; ``_context.get(...)`` per name is
    cheaper than binding ``_context.get`` once (CPython specialises the method call on a dict).
    """
    context = ast.Name(_CONTEXT_ARG, ast.Load())
    statements: list[ast.stmt] = [
        ast.Assign(
            targets=[ast.Name(name, ast.Store())],
            value=ast.Call(
                ast.Attribute(value=context, attr="get", ctx=ast.Load()), [ast.Constant(name)], []
            ),
        )
        for name in names
    ]
    statements += lowering.lower_return(body) if lowered else [ast.Return(body)]
    arguments = ast.arguments(
        posonlyargs=[], args=[ast.arg(_CONTEXT_ARG)], kwonlyargs=[], kw_defaults=[], defaults=[]
    )
    function = ast.FunctionDef(name="_expression", args=arguments, body=statements, decorator_list=[])
    module = ast.Module(body=[function], type_ignores=[])
    _locate(module)
    namespace = runtime.runtime_namespace()
    namespace.update(lowering.GLOBALS)
    try:
        code = compile(module, f"<expression {path or source[:40]!r}>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise _refuse(source, path, f"cannot compile: {type(exc).__name__}: {exc}") from None
    exec(code, namespace)
    compiled: Callable[[Mapping[str, Any]], Any] = namespace["_expression"]
    return compiled


def _locate(tree: ast.AST) -> None:
    """Give every node built here the location ``compile`` requires (line 1): what
    ``ast.fix_missing_locations`` does, in about half the time, which is most of compiling."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node._attributes and not hasattr(node, "lineno"):
            node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
            node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


def _call(helper: str, *args: ast.expr) -> ast.expr:
    return ast.Call(ast.Name(helper, ast.Load()), list(args), [])


def _is_identity_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and any(node.value is c for c in _IDENTITY_CONSTANTS)


class _Translator:
    """Checks one parsed expression against the allow-list and rewrites it for the runtime helpers."""

    def __init__(self, source: str, path: str, *, inline_lookups: bool) -> None:
        self.source = source
        self.path = path
        self.names: list[str] = []
        self._temps = 0
        self._inline_lookups = inline_lookups

    def refuse(self, construct: str, problem: str = "") -> ExpressionError:
        message = problem or f"{construct} is not allowed"
        return _refuse(self.source, self.path, message, construct)

    def translate(self, node: ast.expr) -> ast.expr:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            construct = _REFUSED_NAMES.get(type(node), type(node).__name__)
            raise self.refuse(construct)
        return handler(self, node)

    def constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if value is None or isinstance(value, bool | str | float):
            return ast.Constant(value)
        if isinstance(value, int):
            if value.bit_length() > runtime.MAX_INT_BITS:
                raise self.refuse(
                    "integer literal", f"integer literal is larger than {runtime.MAX_INT_BITS} bits"
                )
            return ast.Constant(value)
        raise self.refuse(f"{type(value).__name__} literal")

    def name(self, node: ast.Name) -> ast.expr:
        identifier = self._identifier(node.id)
        if identifier not in self.names:
            self.names.append(identifier)
        return ast.Name(identifier, ast.Load())

    def _identifier(self, identifier: str) -> str:
        if identifier.startswith("_"):
            raise self.refuse(
                f"name {identifier!r}", f"names starting with '_' are not allowed ({identifier!r})"
            )
        return identifier

    def attribute(self, node: ast.Attribute) -> ast.expr:
        if node.attr.startswith("_"):
            raise self.refuse(f"attribute {node.attr!r}", f"attribute access is not allowed ({node.attr!r})")
        return self._lookup("_field", self.translate(node.value), ast.Constant(node.attr))

    def subscript(self, node: ast.Subscript) -> ast.expr:
        return self._lookup("_item", self.translate(node.value), self.translate(node.slice))

    def _lookup(self, helper: str, container: ast.expr, key: ast.expr) -> ast.expr:
        if self._inline_lookups and isinstance(key, ast.Name | ast.Constant):
            return lowering.inline_lookup(helper, container, key, self._temp())
        return _call(helper, container, key)

    def binary(self, node: ast.BinOp) -> ast.expr:
        operator = type(node.op)
        if operator not in _ARITHMETIC:
            raise self.refuse(_REFUSED_NAMES.get(operator, operator.__name__))
        left, right = self.translate(node.left), self.translate(node.right)
        helper = _ARITHMETIC[operator]
        if helper is None:
            return ast.BinOp(left, node.op, right)
        return _call(helper, left, right)

    def unary(self, node: ast.UnaryOp) -> ast.expr:
        if not isinstance(node.op, _UNARY):
            raise self.refuse(_REFUSED_NAMES.get(type(node.op), type(node.op).__name__))
        return ast.UnaryOp(node.op, self.translate(node.operand))

    def boolean(self, node: ast.BoolOp) -> ast.expr:
        return ast.BoolOp(node.op, [self.translate(value) for value in node.values])

    def conditional(self, node: ast.IfExp) -> ast.expr:
        return ast.IfExp(self.translate(node.test), self.translate(node.body), self.translate(node.orelse))

    def sequence(self, node: ast.List | ast.Tuple | ast.Set) -> ast.expr:
        elements = [self.translate(element) for element in node.elts]
        if isinstance(node, ast.Set):
            return ast.Set(elements)
        if isinstance(node, ast.List):
            return ast.List(elements, ast.Load())
        return ast.Tuple(elements, ast.Load())

    def compare(self, node: ast.Compare) -> ast.expr:
        """Pairwise comparisons joined by ``and``; a middle operand is evaluated once, as in Python."""
        operands = [node.left, *node.comparators]
        for operator, left, right in zip(node.ops, operands, operands[1:]):
            self._check_comparison(operator, left, right)
        translated = [self.translate(operand) for operand in operands]
        pairs: list[ast.expr] = []
        left = translated[0]
        for index, operator in enumerate(node.ops):
            right = translated[index + 1]
            is_middle = index + 1 < len(node.ops)
            if is_middle and not isinstance(right, ast.Name | ast.Constant):
                temp = self._temp()
                right_first: ast.expr = ast.NamedExpr(ast.Name(temp, ast.Store()), right)
                right = ast.Name(temp, ast.Load())
            else:
                right_first = right
            pairs.append(self._pair(operator, left, right_first))
            left = right
        return pairs[0] if len(pairs) == 1 else ast.BoolOp(ast.And(), pairs)

    def _check_comparison(self, operator: ast.cmpop, left: ast.expr, right: ast.expr) -> None:
        if isinstance(operator, ast.Is | ast.IsNot) and not (
            _is_identity_constant(left) or _is_identity_constant(right)
        ):
            raise self.refuse("'is' comparison", "'is' / 'is not' may only compare with None, True or False")

    def _pair(self, operator: ast.cmpop, left: ast.expr, right: ast.expr) -> ast.expr:
        helper = _TOLERANT_COMPARISONS.get(type(operator))
        if helper is not None:
            return _call(helper, left, right)
        assert isinstance(operator, _NATIVE_COMPARISONS)
        return ast.Compare(left, [operator], [right])

    def _temp(self) -> str:
        self._temps += 1
        return f"{_TEMP_PREFIX}{self._temps}"

    def call(self, node: ast.Call) -> ast.expr:
        function = node.func
        if not isinstance(function, ast.Name):
            what = f"method call '.{function.attr}()'" if isinstance(function, ast.Attribute) else "call"
            raise self.refuse(what, f"{what} is not allowed; call one of: {_function_list()}")
        if function.id not in runtime.FUNCTIONS:
            raise self.refuse(
                f"call to {function.id!r}",
                f"function {function.id!r} is not allowed; allowed functions: {_function_list()}",
            )
        if node.keywords:
            raise self.refuse("keyword argument", f"{function.id}() takes no keyword arguments")
        minimum, maximum = runtime.FUNCTION_ARITY[function.id]
        count = len(node.args)
        if count < minimum or (maximum is not None and count > maximum):
            expected = str(minimum) if minimum == maximum else f"{minimum} to {maximum or 'any number of'}"
            raise self.refuse(
                f"call to {function.id!r}", f"{function.id}() takes {expected} arguments, got {count}"
            )
        arguments = [self.translate(argument) for argument in node.args]
        return _call(runtime.FUNCTION_PREFIX + function.id, *arguments)


def _function_list() -> str:
    return ", ".join(sorted(runtime.FUNCTIONS))


_HANDLERS: dict[type[ast.AST], Callable[[_Translator, Any], ast.expr]] = {
    ast.Constant: _Translator.constant,
    ast.Name: _Translator.name,
    ast.Attribute: _Translator.attribute,
    ast.Subscript: _Translator.subscript,
    ast.BinOp: _Translator.binary,
    ast.UnaryOp: _Translator.unary,
    ast.BoolOp: _Translator.boolean,
    ast.IfExp: _Translator.conditional,
    ast.Compare: _Translator.compare,
    ast.Call: _Translator.call,
    ast.List: _Translator.sequence,
    ast.Tuple: _Translator.sequence,
    ast.Set: _Translator.sequence,
}

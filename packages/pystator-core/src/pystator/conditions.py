"""Compiled conditions: ``check`` objects, an action's ``when``, a state's classification ``when``.

Every function here turns configuration models into a :data:`Predicate` once, at load time, so that
evaluating a condition is a plain function call. Checks never raise on a mapping context: a missing
field is null,
ordering against null is false and a comparison between types Python cannot order is false.
Expression parts raise :class:`~pystator.errors.ExpressionEvaluationError` when they fail at run
time (see :mod:`pystator.expressions`).

Registered guard names are not conditions: they belong to transition ``guards`` (the engine
resolves them); a name found inside an action's ``when`` is a configuration error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pystator.errors import ConfigurationError, ExpressionEvaluationError
from pystator.expressions import CompiledExpression, compile_expression

if TYPE_CHECKING:
    from pystator_contracts.machine import Check, Condition, GuardEntry, StateWhen

__all__ = [
    "Predicate",
    "compile_check",
    "compile_condition",
    "compile_state_when",
    "lookup",
]

Predicate = Callable[[Mapping[str, Any]], bool]
"""A compiled condition: takes the context, answers True or False."""

_MISSING = object()


def lookup(context: Mapping[str, Any], dotted_path: str) -> Any:
    """The value at ``dotted_path`` (``"order.customer.tier"``) in nested mappings; missing -> None.

    Each segment is a key of a mapping; reaching a value that is not a mapping, or a missing key,
    gives ``None``. Keys that themselves contain a dot cannot be reached.
    """
    return _walk(context, dotted_path.split("."))


def _walk(context: Mapping[str, Any], keys: Sequence[str]) -> Any:
    value: Any = context
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key, _MISSING)
        if value is _MISSING:
            return None
    return value


def _getter(dotted_path: str) -> Callable[[Mapping[str, Any]], Any]:
    keys = tuple(dotted_path.split("."))
    if len(keys) == 1:
        key = keys[0]
        return lambda context: context.get(key)
    return lambda context: _walk(context, keys)


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordered(actual: Any, expected: Any) -> bool:
        if actual is None:
            return False
        try:
            return bool(compare(actual, expected))
        except TypeError:
            return False

    return ordered


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda actual, expected: bool(actual == expected),
    "neq": lambda actual, expected: bool(actual != expected),
    "gt": _ordering(lambda actual, expected: actual > expected),
    "gte": _ordering(lambda actual, expected: actual >= expected),
    "lt": _ordering(lambda actual, expected: actual < expected),
    "lte": _ordering(lambda actual, expected: actual <= expected),
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
}


def compile_check(check: Check) -> Predicate:
    """``{field, op, value}`` (or ``values`` for ``in``/``not_in``) as a predicate that never raises."""
    get = _getter(check.field)
    if check.op == "is_set":
        return lambda context: get(context) is not None
    if check.op == "is_null":
        return lambda context: get(context) is None
    compare = _COMPARISONS[check.op]
    expected: Any = tuple(check.values or ()) if check.op in ("in", "not_in") else check.value

    def predicate(context: Mapping[str, Any]) -> bool:
        return compare(get(context), expected)

    return predicate


def compile_condition(condition: Condition, *, path: str = "") -> Predicate:
    """An action's ``when`` (or a branch's): an expression string, a bare check, or an object with
    ``expr``, ``check``, ``allOf``, ``anyOf`` or ``not``. ``path`` prefixes error messages."""
    from pystator_contracts.machine import Check

    if isinstance(condition, str):
        return _expression_predicate(condition, path)
    if isinstance(condition, Check):
        return compile_check(condition)
    return _compile_guard_entry(condition, path)


def _compile_guard_entry(entry: GuardEntry, path: str) -> Predicate:
    from pystator_contracts.machine import AllOfGuard, AnyOfGuard, CheckGuard, ExprGuard, NotGuard

    if isinstance(entry, str):
        raise ConfigurationError(
            f"{path or 'when'}: registered guard {entry!r} is not allowed in `when`; "
            "use an expression ({expr: ...}) or a check ({check: {field, op, value}})"
        )
    if isinstance(entry, ExprGuard):
        return _expression_predicate(entry.expr, _join(path, "expr"))
    if isinstance(entry, CheckGuard):
        return compile_check(entry.check)
    if isinstance(entry, AllOfGuard):
        return _all(
            [_compile_guard_entry(e, f"{_join(path, 'allOf')}[{i}]") for i, e in enumerate(entry.all_of)]
        )
    if isinstance(entry, AnyOfGuard):
        return _any(
            [_compile_guard_entry(e, f"{_join(path, 'anyOf')}[{i}]") for i, e in enumerate(entry.any_of)]
        )
    if isinstance(entry, NotGuard):
        return _not(_compile_guard_entry(entry.not_, _join(path, "not")))
    raise ConfigurationError(f"{path or 'when'}: unsupported condition {entry!r}")


def compile_state_when(entries: Sequence[StateWhen], *, path: str = "") -> Predicate:
    """A state's classification ``when``: every entry must match (an empty list matches everything).

    Entries are checks, expressions (a string or ``{expr}``), or ``{all_of: [...]}`` /
    ``{any_of: [...]}`` nesting further entries.
    """
    return _all(
        [
            _compile_state_entry(entry, f"{path}[{i}]" if path else f"when[{i}]")
            for i, entry in enumerate(entries)
        ]
    )


def _compile_state_entry(entry: StateWhen, path: str) -> Predicate:
    from pystator_contracts.machine import Check, ExprGuard, WhenAllOf, WhenAnyOf

    if isinstance(entry, str):
        return _expression_predicate(entry, path)
    if isinstance(entry, Check):
        return compile_check(entry)
    if isinstance(entry, ExprGuard):
        return _expression_predicate(entry.expr, _join(path, "expr"))
    if isinstance(entry, WhenAllOf):
        return _all([_compile_state_entry(e, f"{path}.all_of[{i}]") for i, e in enumerate(entry.all_of)])
    if isinstance(entry, WhenAnyOf):
        return _any([_compile_state_entry(e, f"{path}.any_of[{i}]") for i, e in enumerate(entry.any_of)])
    raise ConfigurationError(f"{path}: unsupported state condition {entry!r}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _expression_predicate(source: str, path: str) -> Predicate:
    expression = compile_expression(source, path=path)
    evaluate = expression.evaluate

    def predicate(context: Mapping[str, Any]) -> bool:
        value = evaluate(context)
        try:
            return bool(value)
        except Exception as exc:
            raise _not_a_truth_value(expression, value, exc) from exc

    return predicate


def _not_a_truth_value(
    expression: CompiledExpression, value: Any, exc: Exception
) -> ExpressionEvaluationError:
    where = f"{expression.path}: " if expression.path else ""
    return ExpressionEvaluationError(
        f"{where}expression {expression.source!r} gave a {type(value).__name__} with no truth value: {exc}",
        path=expression.path,
        expression=expression.source,
    )


def _all(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    members = tuple(predicates)

    def all_match(context: Mapping[str, Any]) -> bool:
        return all(predicate(context) for predicate in members)

    return all_match


def _any(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    members = tuple(predicates)

    def any_matches(context: Mapping[str, Any]) -> bool:
        return any(predicate(context) for predicate in members)

    return any_matches


def _not(predicate: Predicate) -> Predicate:
    return lambda context: not predicate(context)

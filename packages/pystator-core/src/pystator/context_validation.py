"""``meta.validate_context``: check a context against ``state_variables`` and ``context_invariants``.

:func:`compile_context_validator` builds, once per machine, a function that lists every problem of
a context as a readable sentence (empty list: the context is valid). A ``None`` value counts as
absent: it fails ``required`` and is exempt from the type check. Declared types are JSON's:
``string``, ``number`` (an int, float, Decimal or Fraction, but not a bool), ``boolean`` and
``object`` (a mapping).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pystator.conditions import compile_check, lookup

if TYPE_CHECKING:
    from pystator_contracts.machine import Check, ContextInvariant, MachineConfig, StateVariable

__all__ = ["ContextValidator", "compile_context_validator"]

ContextValidator = Callable[[Mapping[str, Any]], list[str]]
"""Takes a context, returns every problem found (an empty list when the context is valid)."""

_Rule = Callable[[Mapping[str, Any]], "str | None"]

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, Mapping),
}
_TYPE_NAMES = {"string": "a string", "number": "a number", "boolean": "a boolean", "object": "an object"}
_SHOWN_VALUE_LENGTH = 60


def compile_context_validator(config: MachineConfig) -> ContextValidator:
    """The validator for ``config``: required variables present, declared types matched, every
    context invariant's check passing. Problems are reported in declaration order."""
    rules: list[_Rule] = []
    for variable in config.variables:
        rules.extend(_variable_rules(variable))
    rules.extend(_invariant_rule(invariant) for invariant in config.context_invariants)
    frozen = tuple(rules)

    def validate(context: Mapping[str, Any]) -> list[str]:
        return [problem for rule in frozen if (problem := rule(context)) is not None]

    return validate


def _variable_rules(variable: StateVariable) -> list[_Rule]:
    key = variable.key
    rules: list[_Rule] = []
    if variable.required:

        def required(context: Mapping[str, Any]) -> str | None:
            if key not in context:
                return f"context key '{key}' is required but missing"
            if context[key] is None:
                return f"context key '{key}' is required but null"
            return None

        rules.append(required)
    if variable.type is not None:
        test, expected = _TYPE_TESTS[variable.type], _TYPE_NAMES[variable.type]

        def typed(context: Mapping[str, Any]) -> str | None:
            value = context.get(key)
            if value is None or test(value):
                return None
            return f"context key '{key}' must be {expected}, got {type(value).__name__} {_show(value)}"

        rules.append(typed)
    return rules


def _invariant_rule(invariant: ContextInvariant) -> _Rule:
    passes = compile_check(invariant.check)
    name, check = invariant.name, invariant.check
    expectation = _describe(check)

    def holds(context: Mapping[str, Any]) -> str | None:
        if passes(context):
            return None
        actual = lookup(context, check.field)
        shown = "null (missing)" if actual is None else _show(actual)
        return f"context invariant '{name}' failed: expected {expectation}, got {shown}"

    return holds


def _describe(check: Check) -> str:
    if check.op in ("is_set", "is_null"):
        return f"{check.field} {check.op}"
    operand = check.values if check.op in ("in", "not_in") else check.value
    return f"{check.field} {check.op} {_show(operand)}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 3] + "..."

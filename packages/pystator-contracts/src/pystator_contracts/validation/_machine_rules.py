"""Semantic rules about the rest of the machine: fallbacks, routing, variables, invariants, events."""

from __future__ import annotations

from typing import Any

from pystator_contracts._render import show
from pystator_contracts.machine import StateVariable
from pystator_contracts.validation._context import RuleContext

__all__ = ["check_machine"]

_TYPE_CHECKS: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "string": ("a string", str),
    "number": ("a number", (int, float)),
    "boolean": ("true or false", bool),
    "object": ("a mapping", dict),
}


def check_machine(ctx: RuleContext) -> None:
    policy = ctx.config.error_policy
    if policy is not None and policy.default_fallback is not None:
        ctx.known(policy.default_fallback, "error_policy.default_fallback")
    classification = ctx.config.meta.classification
    if classification is not None and classification.default_state is not None:
        ctx.known(classification.default_state, "meta.classification.default_state")
    _variables(ctx)
    _unique(ctx, "context_invariants", "invariant", [inv.name for inv in ctx.config.context_invariants])
    _unique(ctx, "events", "event", [event.name for event in ctx.config.events])


def _variables(ctx: RuleContext) -> None:
    first: dict[str, int] = {}
    for i, entry in enumerate(ctx.config.state_variables):
        variable = entry if isinstance(entry, StateVariable) else StateVariable(key=entry)
        path = f"state_variables[{i}]" + (".key" if isinstance(entry, StateVariable) else "")
        if variable.key in first:
            ctx.add(
                path, f"duplicate variable {variable.key!r} (also state_variables[{first[variable.key]}])"
            )
        else:
            first[variable.key] = i
        problem = _default_mismatch(variable)
        if problem is not None:
            ctx.add(f"state_variables[{i}].default", problem)


def _default_mismatch(variable: StateVariable) -> str | None:
    if variable.type is None or variable.default is None:
        return None
    wanted, types = _TYPE_CHECKS[variable.type]
    value: Any = variable.default
    wrong_bool = isinstance(value, bool) and variable.type == "number"
    if isinstance(value, types) and not wrong_bool:
        return None
    return f"expected {wanted} for a variable of type {variable.type!r}, got {show(value)}"


def _unique(ctx: RuleContext, key: str, what: str, names: list[str]) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            ctx.add(f"{key}[{i}].name", f"duplicate {what} {name!r} (also {key}[{first[name]}])")
        else:
            first[name] = i

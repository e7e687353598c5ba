"""Structural validation: pydantic's errors rewritten as ``path: problem, got value`` lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pystator_contracts._locate import Located, allowed_keys, literal_values, locate
from pystator_contracts._render import did_you_mean, format_path, join_path, show
from pystator_contracts.machine.base import NAME_PATTERN
from pystator_contracts.machine.config import MachineConfig
from pystator_contracts.machine.transitions import DEST_PATTERN, SOURCE_PATTERN

__all__ = ["check_structure", "format_validation_error"]

_PATTERN_TEXT = {
    NAME_PATTERN: "expected a name of lowercase letters a-z, digits and underscores",
    SOURCE_PATTERN: "expected a state name, 'parent:exit_point' or '*'",
    DEST_PATTERN: "expected a state name, 'parent:entry_point', 'H(parent)' or 'H*(parent)'",
}

_TYPE_TEXT = {
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "none_required": "expected null",
    "finite_number": "expected a finite number",
}

_BOUND_TEXT = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def check_structure(
    data: Any, *, model: type[BaseModel] = MachineConfig, prefix: str = ""
) -> tuple[BaseModel | None, list[str]]:
    """Validate ``data`` against ``model``: the model, or None and every structural problem."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, format_validation_error(exc, data, model=model, prefix=prefix)


def format_validation_error(
    error: ValidationError, data: Any, *, model: type[BaseModel] = MachineConfig, prefix: str = ""
) -> list[str]:
    """Every error of ``error`` as ``path: problem``, paths in the input's terms (``states[3].name``)."""
    lines: list[str] = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        bad_key = detail["type"] == "invalid_key" or (bool(loc) and loc[-1] == "[key]")
        if bad_key:  # a non-string mapping key: point at the mapping, show the key
            loc = loc[:-2] if loc[-1] == "[key]" else loc[:-1]
        where = locate(loc, data, model)
        path = join_path(prefix, *where.path) if prefix else format_path(where.path)
        problem = (
            f"keys must be strings, got {show(detail.get('input'))}" if bad_key else _problem(detail, where)
        )
        line = f"{path}: {problem}"
        if line not in lines:
            lines.append(line)
    return lines


def _problem(detail: ErrorDetails, where: Located) -> str:
    kind = detail["type"]
    value = detail.get("input")
    ctx: Mapping[str, Any] = detail.get("ctx") or {}
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(where)
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"{_PATTERN_TEXT.get(pattern, f'expected text matching {pattern}')}, got {show(value)}"
    if kind == "literal_error":
        choices = literal_values(where.expected_type) or re.findall(r"'([^']*)'", str(ctx.get("expected")))
        listed = ", ".join(repr(c) for c in choices)
        return f"expected one of {listed}, got {show(value)}{did_you_mean(value, choices)}"
    if kind in _TYPE_TEXT:
        return f"{_TYPE_TEXT[kind]}, got {show(value)}"
    if kind in ("too_short", "string_too_short"):
        return _too_short(kind, ctx, value)
    if kind in ("too_long", "string_too_long"):
        unit = "characters" if kind == "string_too_long" else "entries"
        return f"expected at most {ctx.get('max_length')} {unit}, got {_length(value)}"
    if kind in _BOUND_TEXT:
        bound = next(iter(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")), "")
        return f"expected a number {_BOUND_TEXT[kind]} {bound}, got {show(value)}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", detail["msg"]))
    return f"{detail['msg']}, got {show(value)}"


def _unknown_key(where: Located) -> str:
    key = where.path[-1] if where.path else ""
    allowed = allowed_keys(where.parent_type)
    if not allowed:
        return "unknown key"
    hint = did_you_mean(key, allowed)
    return f"unknown key{hint}" if hint else f"unknown key (allowed: {', '.join(allowed)})"


def _too_short(kind: str, ctx: Mapping[str, Any], value: Any) -> str:
    minimum = ctx.get("min_length", 1)
    if kind == "string_too_short":
        return "must not be empty" if minimum == 1 else f"expected at least {minimum} characters"
    if minimum == 1:
        return "must not be empty"
    return f"expected at least {minimum} entries, got {_length(value)}"


def _length(value: Any) -> int | str:
    try:
        return len(value)
    except TypeError:
        return show(value)

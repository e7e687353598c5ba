"""Conditions: guard entries on transitions, ``when`` on actions and states, context checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator

from pystator_contracts.machine.base import Name, StrictModel

__all__ = [
    "AllOfGuard",
    "AnyOfGuard",
    "Check",
    "CheckGuard",
    "CheckOp",
    "Condition",
    "ExprGuard",
    "GuardEntry",
    "NotGuard",
    "StateWhen",
    "WhenAllOf",
    "WhenAnyOf",
]

CheckOp = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "is_set", "is_null"]

_LIST_OPS = {"in", "not_in"}
_UNARY_OPS = {"is_set", "is_null"}

# The operand rules of ``Check._operands_match_op``, for editors that validate against the JSON Schema.
_CHECK_OPERAND_SCHEMA: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"op": {"enum": sorted(_LIST_OPS)}}, "required": ["op"]},
            "then": {"required": ["values"], "properties": {"values": {"type": "array"}}},
            "else": {"properties": {"values": {"type": "null"}}},
        },
        {
            "if": {"properties": {"op": {"enum": sorted(_UNARY_OPS)}}, "required": ["op"]},
            "then": {"not": {"required": ["value"]}},
        },
    ]
}


class Check(StrictModel):
    """``{field, op, value}``: compare one context field (dotted paths reach into nested dicts).

    A missing field is null; ordering comparisons against null are false. ``in`` / ``not_in`` take
    ``values``; ``is_set`` / ``is_null`` take neither ``value`` nor ``values``.
    """

    model_config = ConfigDict(json_schema_extra=_CHECK_OPERAND_SCHEMA)

    field: Annotated[str, Field(min_length=1)]
    op: CheckOp = "eq"
    value: Any = None
    values: list[Any] | None = None

    @model_validator(mode="after")
    def _operands_match_op(self) -> Check:
        if self.op in _LIST_OPS and self.values is None:
            raise ValueError(f"op '{self.op}' needs 'values: [...]'")
        if self.op not in _LIST_OPS and self.values is not None:
            raise ValueError(f"'values' is only used with op 'in' or 'not_in', not '{self.op}'")
        if self.op in _UNARY_OPS and "value" in self.model_fields_set:
            raise ValueError(f"op '{self.op}' takes no 'value'")
        return self


class ExprGuard(StrictModel):
    """``{expr: "fill_qty >= order_qty"}``: a safe expression over context names."""

    expr: Annotated[str, Field(min_length=1, max_length=2000)]


class CheckGuard(StrictModel):
    """``{check: {field, op, value}}``."""

    check: Check


class AllOfGuard(StrictModel):
    """``{allOf: [...]}``: every entry passes."""

    all_of: Annotated[list[GuardEntry], Field(alias="allOf", min_length=1)]


class AnyOfGuard(StrictModel):
    """``{anyOf: [...]}``: at least one entry passes."""

    any_of: Annotated[list[GuardEntry], Field(alias="anyOf", min_length=1)]


class NotGuard(StrictModel):
    """``{not: entry}``: the entry fails."""

    not_: Annotated[GuardEntry, Field(alias="not")]


_GUARD_KEYS = {"expr": "expr", "check": "check", "allOf": "allOf", "anyOf": "anyOf", "not": "not"}
_GUARD_MODELS: dict[type, str] = {
    ExprGuard: "expr",
    CheckGuard: "check",
    AllOfGuard: "allOf",
    AnyOfGuard: "anyOf",
    NotGuard: "not",
}


def _guard_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict):
        for key, tag in _GUARD_KEYS.items():
            if key in value:
                return tag
        return None
    return _GUARD_MODELS.get(type(value))


GuardEntry = Annotated[
    Annotated[Name, Tag("name")]
    | Annotated[ExprGuard, Tag("expr")]
    | Annotated[CheckGuard, Tag("check")]
    | Annotated[AllOfGuard, Tag("allOf")]
    | Annotated[AnyOfGuard, Tag("anyOf")]
    | Annotated[NotGuard, Tag("not")],
    Discriminator(
        _guard_tag,
        custom_error_type="guard_entry",
        custom_error_message="expected a guard name or an object with one of: expr, check, allOf, anyOf, not",
    ),
]
"""One guard: a registered name, ``expr``, ``check``, or a composite. All guards of a transition must pass."""


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "expr_text"
    if isinstance(value, dict) and "field" in value:
        return "bare_check"
    tag = _guard_tag(value)
    return None if tag == "name" else tag


Condition = Annotated[
    Annotated[Annotated[str, Field(min_length=1, max_length=2000)], Tag("expr_text")]
    | Annotated[Check, Tag("bare_check")]
    | Annotated[ExprGuard, Tag("expr")]
    | Annotated[CheckGuard, Tag("check")]
    | Annotated[AllOfGuard, Tag("allOf")]
    | Annotated[AnyOfGuard, Tag("anyOf")]
    | Annotated[NotGuard, Tag("not")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "expected an expression string, a check {field, op, value}, or an object with one of: "
            "expr, check, allOf, anyOf, not"
        ),
    ),
]
"""An action's ``when``: a bare string is an expression; a bare ``{field, op, value}`` is a check."""


class WhenAllOf(StrictModel):
    all_of: Annotated[list[StateWhen], Field(min_length=1)]


class WhenAnyOf(StrictModel):
    any_of: Annotated[list[StateWhen], Field(min_length=1)]


def _state_when_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "expr_text"
    if isinstance(value, dict):
        if "all_of" in value:
            return "all_of"
        if "any_of" in value:
            return "any_of"
        if "expr" in value:
            return "expr"
        if "field" in value:
            return "check"
        return None
    tags: dict[type, str] = {WhenAllOf: "all_of", WhenAnyOf: "any_of", ExprGuard: "expr", Check: "check"}
    return tags.get(type(value))


StateWhen = Annotated[
    Annotated[Annotated[str, Field(min_length=1, max_length=2000)], Tag("expr_text")]
    | Annotated[Check, Tag("check")]
    | Annotated[ExprGuard, Tag("expr")]
    | Annotated[WhenAllOf, Tag("all_of")]
    | Annotated[WhenAnyOf, Tag("any_of")],
    Discriminator(
        _state_when_tag,
        custom_error_type="state_when",
        custom_error_message=(
            "expected a check {field, op, value}, an expression, or {all_of: [...]} / {any_of: [...]}"
        ),
    ),
]
"""A state's classification check for when-routing (a list of them means all must match)."""

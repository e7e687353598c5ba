"""``compile_context_validator``: required keys, declared types and context invariants of a machine."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from pystator.context_validation import compile_context_validator
from pystator_contracts.machine import MachineConfig


def machine(**extra: Any) -> MachineConfig:
    return MachineConfig.model_validate(
        {
            "states": [{"name": "idle", "type": "initial"}, {"name": "done", "type": "terminal"}],
            "transitions": [{"trigger": "finish", "source": "idle", "dest": "done"}],
            **extra,
        }
    )


VARIABLES = [
    {"key": "order_id", "type": "string", "required": True},
    {"key": "qty", "type": "number"},
    {"key": "express", "type": "boolean"},
    {"key": "customer", "type": "object"},
    "note",
]


def validate(context: dict[str, Any], **extra: Any) -> list[str]:
    return compile_context_validator(machine(**extra))(context)


def test_no_declarations_accept_anything() -> None:
    assert validate({}) == []
    assert validate({"anything": object()}) == []


def test_valid_context_has_no_problems() -> None:
    context = {"order_id": "o-1", "qty": 3, "express": True, "customer": {"id": 1}, "note": [1]}
    assert validate(context, state_variables=VARIABLES) == []


def test_optional_variables_may_be_absent_or_null() -> None:
    assert validate({"order_id": "o-1", "qty": None}, state_variables=VARIABLES) == []


def test_required_variable_missing_or_null() -> None:
    assert validate({}, state_variables=VARIABLES) == ["context key 'order_id' is required but missing"]
    assert validate({"order_id": None}, state_variables=VARIABLES) == [
        "context key 'order_id' is required but null"
    ]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("order_id", 12, "context key 'order_id' must be a string, got int 12"),
        ("qty", "12", "context key 'qty' must be a number, got str '12'"),
        ("qty", True, "context key 'qty' must be a number, got bool True"),
        ("express", 1, "context key 'express' must be a boolean, got int 1"),
        ("express", "yes", "context key 'express' must be a boolean, got str 'yes'"),
        ("customer", [1], "context key 'customer' must be an object, got list [1]"),
        ("customer", "x" * 100, "context key 'customer' must be an object, got str '" + "x" * 56 + "..."),
    ],
)
def test_type_mismatches(key: str, value: Any, problem: str) -> None:
    context = {"order_id": "o-1", key: value}
    assert validate(context, state_variables=VARIABLES) == [problem]


@pytest.mark.parametrize("number", [0, -3, 2.5, Decimal("1.10"), Fraction(1, 3)])
def test_numbers(number: Any) -> None:
    assert validate({"order_id": "o", "qty": number}, state_variables=VARIABLES) == []


INVARIANTS = [
    {"name": "positive_qty", "check": {"field": "qty", "op": "gt", "value": 0}},
    {"name": "known_status", "field": "status", "op": "in", "values": ["open", "closed"]},
    {"name": "has_customer_tier", "field": "customer.tier", "op": "is_set"},
]


def test_invariants_pass() -> None:
    context = {"qty": 1, "status": "open", "customer": {"tier": "gold"}}
    assert validate(context, context_invariants=INVARIANTS) == []


def test_every_failed_invariant_is_reported() -> None:
    problems = validate({"qty": 0, "status": "lost"}, context_invariants=INVARIANTS)
    assert problems == [
        "context invariant 'positive_qty' failed: expected qty gt 0, got 0",
        "context invariant 'known_status' failed: expected status in ['open', 'closed'], got 'lost'",
        "context invariant 'has_customer_tier' failed: expected customer.tier is_set, got null (missing)",
    ]


def test_invariant_over_missing_or_mistyped_field_fails_without_raising() -> None:
    problems = validate(
        {"qty": "many", "status": "open", "customer": {"tier": 1}}, context_invariants=INVARIANTS
    )
    assert problems == ["context invariant 'positive_qty' failed: expected qty gt 0, got 'many'"]


def test_variables_and_invariants_together_report_everything_in_order() -> None:
    problems = validate(
        {"qty": "3", "express": "no", "status": "open", "customer": {"tier": "x"}},
        state_variables=VARIABLES,
        context_invariants=INVARIANTS,
    )
    assert problems == [
        "context key 'order_id' is required but missing",
        "context key 'qty' must be a number, got str '3'",
        "context key 'express' must be a boolean, got str 'no'",
        "context invariant 'positive_qty' failed: expected qty gt 0, got '3'",
    ]


def test_validator_is_reusable_and_does_not_mutate_context() -> None:
    validator = compile_context_validator(machine(state_variables=VARIABLES))
    context = {"order_id": "a"}
    assert validator(context) == []
    assert validator({}) == ["context key 'order_id' is required but missing"]
    assert context == {"order_id": "a"}

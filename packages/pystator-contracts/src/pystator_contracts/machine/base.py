"""Shared building blocks of the machine schema: the strict base model, names and durations."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

__all__ = [
    "NAME_PATTERN",
    "DurationMs",
    "DurationSeconds",
    "Name",
    "StrictModel",
    "parse_duration_ms",
]

NAME_PATTERN = r"^[a-z0-9_]+$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, min_length=1)]
"""A state, region, trigger, guard or action name: lowercase a-z, digits and underscores."""


class StrictModel(BaseModel):
    """Every schema object: unknown keys are errors, values are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$")
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(value: Any, *, bare_number_unit: str = "ms") -> int:
    """``500`` / ``"500ms"`` / ``"5s"`` / ``"10m"`` / ``"1h"`` -> milliseconds (a positive integer)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, int | float):
        millis = float(value) * _UNIT_MS[bare_number_unit]
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(
                f"expected a duration such as 500 (milliseconds), '500ms', '5s', '10m' or '1h', got {value!r}"
            )
        millis = float(match.group(1)) * _UNIT_MS[match.group(2)]
    else:
        raise ValueError(f"expected a duration, got {type(value).__name__}")
    if millis <= 0:
        raise ValueError(f"expected a duration greater than zero, got {value!r}")
    return round(millis)


_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "integer", "exclusiveMinimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$"},
    ]
}

DurationMs = Annotated[
    int,
    BeforeValidator(parse_duration_ms),
    WithJsonSchema(
        {**_DURATION_SCHEMA, "description": "milliseconds as an integer, or '500ms', '5s', '10m', '1h'"}
    ),
]
"""A delay: an integer is milliseconds; strings carry their unit."""


def _seconds(value: Any) -> float:
    return parse_duration_ms(value, bare_number_unit="s") / 1000.0


DurationSeconds = Annotated[
    float,
    BeforeValidator(_seconds),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$"},
            ],
            "description": "seconds as a number, or '500ms', '5s', '10m', '1h'",
        }
    ),
]
"""A timeout: a number is seconds; strings carry their unit."""

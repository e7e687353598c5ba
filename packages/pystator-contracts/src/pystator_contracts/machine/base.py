"""Shared building blocks of the machine schema: the strict base model, names and durations."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

__all__ = [
    "DURATION_TEXT_PATTERN",
    "one_or_many",
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
    """Every schema object: unknown keys are errors, values are immutable once validated.

    Validation is strict: a YAML/JSON value must already have the expected type (``"5"`` is not
    an integer, ``"yes"`` is not a boolean), so a mistyped value is reported instead of coerced.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        defer_build=True,
        populate_by_name=True,
        strict=True,
        use_attribute_docstrings=True,
    )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$")
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(value: Any, *, bare_number_unit: str = "ms") -> int:
    """``500`` / ``"500ms"`` / ``"5s"`` / ``"10m"`` / ``"1h"`` -> milliseconds (a positive integer).

    A bare number is in ``bare_number_unit``: milliseconds (then it must be an integer) or seconds.
    """
    unit_word = "milliseconds" if bare_number_unit == "ms" else "seconds"
    expected = f"expected a duration such as 5 ({unit_word}), '500ms', '5s', '10m' or '1h'"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{expected}, got {_show(value)}")
    if isinstance(value, float) and bare_number_unit == "ms":
        raise ValueError(f"{expected}; a bare number of milliseconds must be an integer, got {value!r}")
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(f"{expected}, got {value!r}")
        millis = float(match.group(1)) * _UNIT_MS[match.group(2)]
    else:
        millis = float(value) * _UNIT_MS[bare_number_unit]
    if not millis > 0 or millis == float("inf"):
        raise ValueError(f"expected a duration greater than zero, got {value!r}")
    # A sub-millisecond positive duration still waits: never round it down to "no delay".
    return max(1, round(millis))


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return f"a {'list' if isinstance(value, list) else 'mapping'}"
    return repr(value)


DURATION_TEXT_PATTERN = r"^\s*(?=\d*\.?\d*[1-9])\d+(\.\d+)?\s*(ms|s|m|h)\s*$"
"""JSON Schema pattern of a duration string: a positive number and a unit."""

_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "integer", "exclusiveMinimum": 0},
        {"type": "string", "pattern": DURATION_TEXT_PATTERN},
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
                {"type": "string", "pattern": DURATION_TEXT_PATTERN},
            ],
            "description": "seconds as a number, or '500ms', '5s', '10m', '1h'",
        }
    ),
]
"""A timeout: a number is seconds; strings carry their unit."""


def one_or_many(value: Any) -> Any:
    """Let a single entry stand where a list is expected (``on_enter: notify``); null is an empty list."""
    if value is None:
        return []
    if isinstance(value, str | dict):
        return [value]
    if isinstance(value, tuple):
        return list(value)
    return value

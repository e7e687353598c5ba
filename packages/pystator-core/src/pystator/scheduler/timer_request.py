"""Checking and normalising the arguments of ``Scheduler.schedule``, shared by every backend.

Every backend applies the same rules, so that code moving from the asyncio scheduler to Redis or
Celery meets no new errors: metadata and an ``Event``'s payload must survive a JSON round trip, and
what the callback receives is that round trip's result (a tuple comes back as a list everywhere).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pystator.event import Event

__all__ = [
    "MAX_DELAY_MS",
    "MAX_TASK_ID_LENGTH",
    "TimerRequest",
    "check_timer_request",
    "decode_event",
    "encode_event",
]

MAX_DELAY_MS = 100 * 365 * 24 * 3600 * 1000
MAX_TASK_ID_LENGTH = 512


@dataclass(frozen=True, slots=True)
class TimerRequest:
    """Validated ``schedule`` arguments: ``event`` and ``metadata`` already JSON-normalised."""

    delay_ms: int
    entity_id: str
    event: str | Event
    metadata: dict[str, Any]
    task_id: str


def check_timer_request(
    delay_ms: object,
    entity_id: object,
    event: object,
    metadata: Mapping[str, Any] | None,
    task_id: str | None,
) -> TimerRequest:
    """Validate ``schedule`` arguments; raise ``ValueError``/``TypeError`` naming the bad one."""
    return TimerRequest(
        delay_ms=_check_delay(delay_ms),
        entity_id=_check_text("entity_id", entity_id),
        event=decode_event(encode_event(event)),
        metadata=_normalise_metadata(metadata),
        task_id=uuid.uuid4().hex if task_id is None else _check_text("task_id", task_id),
    )


def _check_delay(delay_ms: object) -> int:
    if isinstance(delay_ms, bool) or not isinstance(delay_ms, int | float):
        raise TypeError(f"delay_ms: expected a number of milliseconds, got {type(delay_ms).__name__}")
    if not math.isfinite(delay_ms) or delay_ms < 0 or delay_ms > MAX_DELAY_MS:
        raise ValueError(f"delay_ms: expected a number from 0 to {MAX_DELAY_MS}, got {delay_ms!r}")
    return math.ceil(delay_ms)


def _check_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TASK_ID_LENGTH:
        raise ValueError(
            f"{field}: expected a non-empty string of at most {MAX_TASK_ID_LENGTH} characters, got {value!r}"
        )
    return value


def _normalise_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata: expected a mapping or None, got {type(metadata).__name__}")
    decoded = json.loads(_dumps("metadata", dict(metadata)))
    assert isinstance(decoded, dict)
    return decoded


def _dumps(field: str, value: object) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{field}: expected JSON-compatible data (dicts with string keys, lists, strings, "
            f"finite numbers, booleans, None): {exc}"
        ) from None


def encode_event(event: object) -> str:
    """JSON text for a trigger string or an ``Event`` (its id and timestamp included)."""
    if isinstance(event, Event):
        return _dumps("event", {"event": event.to_dict()})
    if isinstance(event, str) and event:
        return _dumps("event", {"trigger": event})
    raise TypeError(f"event: expected a non-empty trigger string or an Event, got {event!r}")


def decode_event(text: str) -> str | Event:
    """The inverse of ``encode_event``."""
    data = json.loads(text)
    if "event" in data:
        return Event.from_dict(data["event"])
    trigger = data["trigger"]
    assert isinstance(trigger, str)
    return trigger

"""The one JSON encoding every store uses, so that all backends give back exactly what they were given.

Writing: values must be JSON (str, int, float, bool, None, lists, dicts with str keys; no NaN); a
value that is not names its path (``context['when']``) and what was expected. Reading: a column that
does not decode to what it must be raises ``StoreError`` naming the entity and the column, never a
half-read record.
"""

from __future__ import annotations

import json
import json.encoder
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pystator.actions.result import ActionStatus
from pystator.errors import ErrorCode, StoreError
from pystator.stores import _build
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    PlannedAction,
    TransitionCommit,
    TransitionRecord,
)

__all__ = [
    "JSONColumn",
    "as_utc",
    "plain",
    "committed_records",
    "context_changes",
    "corrupted",
    "decode_json",
    "decode_object",
    "decode_timestamp",
    "encode_actions",
    "encode_json",
    "encode_outcomes",
    "encode_timestamp",
    "entity_from_columns",
    "transition_from_columns",
    "utc_now",
]

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_DECODER = json.JSONDecoder()


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# JSONEncoder.encode() builds a new C encoder on every call; stores encode on every write, so build
# the same one (compact, UTF-8, no NaN, no circular-reference markers: recursion is caught) once.
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_c_encode_basestring: Any = getattr(json.encoder, "c_encode_basestring", None)
if _c_make_encoder is not None and _c_encode_basestring is not None:
    _C_ENCODER = _c_make_encoder(None, _refuse, _c_encode_basestring, None, ":", ",", False, False, False)

    def _encode(value: Any) -> str:
        return "".join(_C_ENCODER(value, 0))

else:  # pragma: no cover - CPython always has the C accelerator

    def _encode(value: Any) -> str:
        return _ENCODER.encode(value)


_MISSING = object()


def utc_now() -> datetime:
    return datetime.now(UTC)


def plain(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """``mapping`` as a plain dict (itself when it already is one), ready for ``encode_json``."""
    return mapping if type(mapping) is dict else dict(mapping)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def encode_json(value: Any, *, field: str) -> str:
    """JSON text of ``value``; a ``StoreError`` naming the offending path when it is not JSON."""
    try:
        if _has_only_str_keys(value):  # the encoder alone would turn the key 1 into "1" without a word
            return _encode(value)
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        path, problem = _first_non_json(value, field)
    except RecursionError:
        path, problem = field, "values nested too deeply"
    raise StoreError(
        f"{path}: expected JSON values (str, int, float, bool, None, list, dict with str keys), "
        f"got {problem or 'a value the JSON encoder refused'}",
        code=ErrorCode.VALIDATION_FAILED,
        context={"field": path},
    )


def _has_only_str_keys(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            inner = type(item)
            if (inner is dict or inner is list or inner is tuple) and not _has_only_str_keys(item):
                return False
    elif kind is list or kind is tuple:
        for item in value:
            inner = type(item)
            if (inner is dict or inner is list or inner is tuple) and not _has_only_str_keys(item):
                return False
    elif isinstance(value, dict | list | tuple):  # subclasses: take the careful path
        return _has_only_str_keys(dict(value) if isinstance(value, dict) else list(value))
    return True


def _first_non_json(value: Any, path: str, parents: tuple[int, ...] = ()) -> tuple[str, str]:
    """The path of the first value JSON cannot carry as it is, and what it is ("" when none)."""
    if value is None or isinstance(value, str | bool | int):
        return path, ""
    if isinstance(value, float):
        return (path, f"the non-finite float {value!r}") if not math.isfinite(value) else (path, "")
    if not isinstance(value, dict | list | tuple):
        return path, f"a value of type {type(value).__name__}"
    if id(value) in parents:
        return path, "a circular reference to a containing value"
    inner = (*parents, id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, f"a key of type {type(key).__name__} ({key!r})"
            found = _first_non_json(item, f"{path}[{key!r}]", inner)
            if found[1]:
                return found
        return path, ""
    for index, item in enumerate(value):
        found = _first_non_json(item, f"{path}[{index}]", inner)
        if found[1]:
            return found
    return path, ""


def corrupted(entity_id: str, column: str, problem: str) -> StoreError:
    """The error for a stored value that cannot be read back; the row is left as it is."""
    return StoreError(
        f"entity {entity_id!r}: stored {column} is corrupted ({problem}); the row was left unchanged",
        context={"entity_id": entity_id, "column": column},
    )


JSONColumn = str | bytes | dict[str, Any] | list[Any] | None
"""A JSON column as a backend returns it: text, or already decoded by the driver or the caller."""


def decode_json(text: JSONColumn, *, entity_id: str, column: str) -> Any:
    if text is None:
        raise corrupted(entity_id, column, "missing")
    if isinstance(text, dict | list):
        return text
    if text == "{}":  # the common empty values skip the decoder (this is on every load's path)
        return {}
    if text == "[]":
        return []
    try:
        if isinstance(text, str):
            value, end = _DECODER.raw_decode(text)
            if end == len(text):
                return value
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise corrupted(entity_id, column, f"not JSON: {exc}") from None


def decode_object(text: JSONColumn, *, entity_id: str, column: str) -> dict[str, Any]:
    value = decode_json(text, entity_id=entity_id, column=column)
    if not isinstance(value, dict):
        raise corrupted(entity_id, column, f"expected a JSON object, found {type(value).__name__}")
    return value


def encode_timestamp(value: datetime) -> str:
    """UTC ISO-8601 with microseconds always present, so that stored texts sort like the instants."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def decode_timestamp(value: str | bytes | datetime | None, *, entity_id: str, column: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        if value is None:
            raise corrupted(entity_id, column, "missing")
        try:
            parsed = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
        except ValueError as exc:
            raise corrupted(entity_id, column, f"not an ISO-8601 timestamp: {exc}") from None
    if parsed.tzinfo is UTC:
        return parsed
    if parsed.tzinfo is None:
        raise corrupted(entity_id, column, "timestamp without a timezone")
    return parsed.astimezone(UTC)


def _decode_version(value: object, *, entity_id: str, column: str = "version") -> int:
    if isinstance(value, bytes):
        value = value.decode()
    try:
        version = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else -1
    except ValueError:
        version = -1
    if version < 1:
        raise corrupted(entity_id, column, f"expected an integer >= 1, found {value!r}")
    return version


def _decode_text(value: object, *, entity_id: str, column: str, allow_empty: bool) -> str:
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str) or (not value and not allow_empty):
        raise corrupted(entity_id, column, f"expected a {'' if allow_empty else 'non-empty '}string")
    return value


def entity_from_columns(
    entity_id: str,
    *,
    machine: object,
    state: object,
    version: object,
    context: str | bytes | None,
    updated_at: str | bytes | datetime | None,
    metadata: str | bytes | None,
) -> EntityRecord:
    """Build an ``EntityRecord`` from stored columns (JSON as text), checking every one."""
    return EntityRecord(
        entity_id=entity_id,
        machine=_decode_text(machine, entity_id=entity_id, column="machine", allow_empty=True),
        state=_decode_text(state, entity_id=entity_id, column="state", allow_empty=False),
        version=_decode_version(version, entity_id=entity_id),
        context=decode_object(context, entity_id=entity_id, column="context"),
        updated_at=decode_timestamp(updated_at, entity_id=entity_id, column="updated_at"),
        metadata=decode_object(metadata, entity_id=entity_id, column="metadata"),
    )


def encode_actions(actions: tuple[PlannedAction, ...]) -> str:
    return encode_json(
        [
            {
                "name": a.name,
                "params": dict(a.params),
                "kind": a.kind,
                "phase": a.phase,
                "state": a.state,
                "definition": None if a.definition is None else dict(a.definition),
            }
            for a in actions
        ],
        field="actions",
    )


def encode_outcomes(outcomes: tuple[ActionOutcome, ...] | list[ActionOutcome]) -> str:
    return encode_json(
        [
            {
                "name": o.name,
                "status": o.status.value,
                "error": o.error,
                "attempts": o.attempts,
                "duration_ms": o.duration_ms,
            }
            for o in outcomes
        ],
        field="outcomes",
    )


def _decode_list(text: JSONColumn, *, entity_id: str, column: str) -> list[Any]:
    value = decode_json(text, entity_id=entity_id, column=column)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise corrupted(entity_id, column, "expected a JSON list of objects")
    return value


def _decode_actions(text: JSONColumn, *, entity_id: str) -> tuple[PlannedAction, ...]:
    items = _decode_list(text, entity_id=entity_id, column="actions")
    try:
        return tuple(
            PlannedAction(
                name=str(item["name"]),
                params=dict(item.get("params") or {}),
                kind=str(item.get("kind", "call")),
                phase=str(item.get("phase", "transition")),
                state=item.get("state"),
                definition=item.get("definition"),
            )
            for item in items
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise corrupted(entity_id, "actions", f"malformed planned action: {exc!r}") from None


def _decode_outcomes(text: JSONColumn, *, entity_id: str) -> tuple[ActionOutcome, ...]:
    items = _decode_list(text, entity_id=entity_id, column="action_outcomes")
    try:
        return tuple(
            ActionOutcome(
                name=str(item["name"]),
                status=ActionStatus(item["status"]),
                error=item.get("error"),
                attempts=int(item.get("attempts", 1)),
                duration_ms=float(item.get("duration_ms", 0.0)),
            )
            for item in items
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise corrupted(entity_id, "action_outcomes", f"malformed outcome: {exc!r}") from None


def _optional_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode()
    return None if value is None or value == "" else str(value)


def transition_from_columns(
    entity_id: str,
    *,
    machine: object,
    version: object,
    from_state: object,
    to_state: object,
    trigger: object,
    timestamp: str | bytes | datetime | None,
    event_id: object,
    idempotency_key: object,
    context_changes: JSONColumn,
    actions: JSONColumn,
    actions_status: object,
    action_outcomes: JSONColumn,
    metadata: JSONColumn,
) -> TransitionRecord:
    """Build a ``TransitionRecord`` from stored columns (JSON as text), checking every one."""
    status_text = _decode_text(
        actions_status, entity_id=entity_id, column="actions_status", allow_empty=False
    )
    try:
        status = ActionsStatus(status_text)
    except ValueError:
        raise corrupted(entity_id, "actions_status", f"unknown status {status_text!r}") from None
    return TransitionRecord(
        entity_id=entity_id,
        machine=_decode_text(machine, entity_id=entity_id, column="machine", allow_empty=True),
        version=_decode_version(version, entity_id=entity_id, column="history version"),
        from_state=_optional_text(from_state),
        to_state=_decode_text(to_state, entity_id=entity_id, column="to_state", allow_empty=False),
        trigger=_decode_text(trigger, entity_id=entity_id, column="trigger", allow_empty=True),
        timestamp=decode_timestamp(timestamp, entity_id=entity_id, column="timestamp"),
        event_id=_optional_text(event_id),
        idempotency_key=_optional_text(idempotency_key),
        context_changes=decode_object(context_changes, entity_id=entity_id, column="context_changes"),
        actions=_decode_actions(actions, entity_id=entity_id),
        actions_status=status,
        action_outcomes=_decode_outcomes(action_outcomes, entity_id=entity_id),
        metadata=decode_object(metadata, entity_id=entity_id, column="history metadata"),
    )


def committed_records(
    commit: TransitionCommit, *, version: int, timestamp: datetime, actions_status: ActionsStatus
) -> CommitResult:
    """The records of an applied commit, built from the commit itself (it holds the values written).

    The mappings are the caller's own objects, not copies: what a later load returns is a decoded
    copy of the stored JSON.
    """
    moment = timestamp if timestamp.tzinfo is UTC else timestamp.astimezone(UTC)
    return _build.committed(commit, version, moment, actions_status)


def context_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each key whose value differs: ``{key: {"before": old, "after": new}}``, a side absent if unset."""
    changes: dict[str, dict[str, Any]] = {}
    for key in {*before, *after}:
        old = before.get(key, _MISSING)
        new = after.get(key, _MISSING)
        if old is _MISSING or new is _MISSING or type(old) is not type(new) or old != new:
            change: dict[str, Any] = {}
            if old is not _MISSING:
                change["before"] = old
            if new is not _MISSING:
                change["after"] = new
            changes[key] = change
    return changes

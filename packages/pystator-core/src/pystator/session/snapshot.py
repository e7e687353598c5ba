"""The session snapshot: a versioned, JSON-serialisable dict, and its validation on restore.

Format 1::

    {
        "format": "pystator.entity_session",
        "format_version": 1,
        "machine": {"name": "order_management", "version": "1.0.0"},
        "entity_id": "order-123",
        "state": "open",                      # the stored form (parallel: "p[r1=a,r2=b]")
        "version": 2,                          # committed changes so far
        "context": {"order_id": "123"},        # without the reserved "_history" key
        "history": {"payment": "card"},        # H()/H*() records, see pystator.engine.history
    }

Every value is plain JSON (str, int, float, bool, None, lists, dicts with string keys); a context
holding anything else is refused by ``snapshot()`` with the path of the offending value, so that
what you store is exactly what you restore.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pystator.engine.reserved import HISTORY_KEY
from pystator.errors import ErrorCode, FSMError

if TYPE_CHECKING:
    from pystator.machine import StateMachine

__all__ = [
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_FORMAT_VERSION",
    "RestoredSnapshot",
    "SnapshotError",
    "build_snapshot",
    "read_snapshot",
]

SNAPSHOT_FORMAT = "pystator.entity_session"
SNAPSHOT_FORMAT_VERSION = 1


class SnapshotError(FSMError, ValueError):
    """A snapshot cannot be taken or restored; the message names the field and what was expected."""

    default_code = ErrorCode.VALIDATION_FAILED


@dataclass(frozen=True, slots=True)
class RestoredSnapshot:
    entity_id: str
    state: str
    version: int
    context: dict[str, Any]


def build_snapshot(
    machine: StateMachine, entity_id: str, state: str, version: int, context: Mapping[str, Any]
) -> dict[str, Any]:
    plain = {key: value for key, value in context.items() if key != HISTORY_KEY}
    records = context.get(HISTORY_KEY)
    history = dict(records) if isinstance(records, Mapping) else {}
    _check_json(plain, "context")
    _check_json(history, "history")
    return {
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "machine": {"name": machine.name, "version": machine.version},
        "entity_id": entity_id,
        "state": state,
        "version": version,
        "context": _copy_json(plain),
        "history": _copy_json(history),
    }


def read_snapshot(machine: StateMachine, snapshot: Mapping[str, Any]) -> RestoredSnapshot:
    """Validate ``snapshot`` against ``machine``; raises ``SnapshotError`` naming the problem."""
    if not isinstance(snapshot, Mapping):
        raise SnapshotError(f"snapshot: expected a mapping, got {type(snapshot).__name__}")
    kind = snapshot.get("format")
    if kind != SNAPSHOT_FORMAT:
        raise SnapshotError(f"snapshot.format: expected {SNAPSHOT_FORMAT!r}, got {kind!r}")
    format_version = snapshot.get("format_version")
    if format_version != SNAPSHOT_FORMAT_VERSION:
        raise SnapshotError(
            f"snapshot.format_version: this PyStator reads format {SNAPSHOT_FORMAT_VERSION}, "
            f"got {format_version!r}"
        )
    _check_machine(machine, snapshot.get("machine"))
    entity_id = _required(snapshot, "entity_id", str)
    state = _required(snapshot, "state", str)
    version = _required(snapshot, "version", int)
    if isinstance(version, bool) or version < 0:
        raise SnapshotError(f"snapshot.version: expected a non-negative integer, got {version!r}")
    context = dict(_required(snapshot, "context", Mapping))
    history = dict(_required(snapshot, "history", Mapping))
    try:
        stored = str(machine.configuration(state))
    except FSMError as exc:
        raise SnapshotError(
            f"snapshot.state: {state!r} is not a state of machine {machine.name!r}: {exc}"
        ) from exc
    if stored != state:
        raise SnapshotError(
            f"snapshot.state: {state!r} is not a resting configuration of machine {machine.name!r} "
            f"(entering it rests in {stored!r})"
        )
    if HISTORY_KEY in context:
        raise SnapshotError(
            f"snapshot.context: the reserved key {HISTORY_KEY!r} belongs under snapshot.history"
        )
    if history:
        context[HISTORY_KEY] = history
    return RestoredSnapshot(entity_id, state, version, context)


def _check_machine(machine: StateMachine, described: Any) -> None:
    if not isinstance(described, Mapping):
        raise SnapshotError(f"snapshot.machine: expected {{name, version}}, got {described!r}")
    name, version = described.get("name"), described.get("version")
    if name != machine.name:
        raise SnapshotError(
            f"snapshot.machine.name: the snapshot is of machine {name!r}, not {machine.name!r}"
        )
    if version != machine.version:
        raise SnapshotError(
            f"snapshot.machine.version: the snapshot is of {name!r} version {version!r}, "
            f"the machine is version {machine.version!r}"
        )


def _required(snapshot: Mapping[str, Any], key: str, kind: Any) -> Any:
    if key not in snapshot:
        raise SnapshotError(f"snapshot.{key}: missing")
    value = snapshot[key]
    if not isinstance(value, kind):
        expected = getattr(kind, "__name__", str(kind))
        raise SnapshotError(f"snapshot.{key}: expected {expected}, got {type(value).__name__}")
    return value


def _check_json(value: Any, path: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SnapshotError(f"snapshot.{path}: {value!r} is not representable in JSON")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise SnapshotError(f"snapshot.{path}: key {key!r} is not a string")
            _check_json(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    raise SnapshotError(
        f"snapshot.{path}: {type(value).__name__} is not JSON-serialisable "
        "(store str, int, float, bool, None, lists or dicts in the context)"
    )


def _copy_json(value: Any) -> Any:
    """A deep copy made of plain dicts and lists, so the snapshot shares nothing with the session."""
    if isinstance(value, Mapping):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_json(item) for item in value]
    return value

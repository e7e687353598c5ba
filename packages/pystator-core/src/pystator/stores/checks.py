"""Checks every store shares: argument validation, the errors of a refused write, and checks of a
loaded entity against the machine that is about to process it.

A store gives back what it holds; whether that still makes sense for today's machine (a state that a
newer version of the YAML removed, an entity of another machine) is decided here, before anything is
computed or written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from pystator.errors import ErrorCode, StaleVersionError, StoreError, UndefinedStateError
from pystator.stores.records import EntityRecord

__all__ = [
    "check_entity_id",
    "check_entity_machine",
    "check_limit",
    "check_state_write",
    "check_stored_state",
    "machine_conflict",
    "stale_version",
    "transition_not_found",
]


def check_entity_id(entity_id: object) -> None:
    if not isinstance(entity_id, str) or not entity_id:
        raise ValueError(f"entity_id: expected a non-empty string, got {entity_id!r}")


def check_state_write(entity_id: object, state: object, expected_version: object) -> None:
    """Arguments of ``set_state`` / ``set_state_versioned``: a ``ValueError`` naming the bad one."""
    check_entity_id(entity_id)
    if not isinstance(state, str) or not state:
        raise ValueError(f"state: expected a non-empty string, got {state!r}")
    if expected_version is not None and (
        isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0
    ):
        raise ValueError(f"expected_version: expected None or an integer >= 0, got {expected_version!r}")


def check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit: expected an integer >= 1, got {limit!r}")
    return limit


def stale_version(entity_id: str, expected: int, actual: int | None) -> StaleVersionError:
    """The conflict error; ``actual`` None when the entity changed again before it could be read."""
    if actual is None:
        what = "was changed concurrently"
    else:
        what = "does not exist" if actual == 0 else f"is at version {actual}"
    wanted = "to be new" if expected == 0 else f"version {expected}"
    return StaleVersionError(
        f"entity {entity_id!r} {what}, expected {wanted}: it changed since it was read; reload and retry",
        entity_id=entity_id,
        expected_version=expected,
        actual_version=actual,
    )


def machine_conflict(entity_id: str, stored_machine: str, machine: str) -> StoreError:
    return StoreError(
        f"entity {entity_id!r} belongs to machine {stored_machine!r}, not {machine!r}",
        code=ErrorCode.CONFLICT,
        context={"entity_id": entity_id, "stored_machine": stored_machine, "machine": machine},
    )


def transition_not_found(entity_id: str, version: int) -> StoreError:
    return StoreError(
        f"entity {entity_id!r} has no transition with version {version}",
        code=ErrorCode.NOT_FOUND,
        context={"entity_id": entity_id, "version": version},
    )


def check_stored_state(
    record: EntityRecord, known_states: Collection[str] | Callable[[str], bool], *, machine: str = ""
) -> EntityRecord:
    """Return ``record`` when its state is one the machine has, else raise ``UndefinedStateError``.

    ``known_states`` is the machine's state names, or a predicate for encodings a plain set cannot
    express (such as a parallel state with its regions in one string).
    """
    known = known_states(record.state) if callable(known_states) else record.state in known_states
    if known:
        return record
    machine_name = machine or record.machine
    raise UndefinedStateError(
        f"entity {record.entity_id!r} is stored in state {record.state!r}, which machine "
        f"{machine_name!r} does not define (any more); migrate the entity or restore the state",
        state=record.state,
        context={"entity_id": record.entity_id, "machine": machine_name, "version": record.version},
    )


def check_entity_machine(record: EntityRecord, machine: str) -> EntityRecord:
    """Return ``record`` when it belongs to ``machine`` (or to none yet), else raise ``StoreError``."""
    if record.machine in ("", machine):
        return record
    raise machine_conflict(record.entity_id, record.machine, machine)

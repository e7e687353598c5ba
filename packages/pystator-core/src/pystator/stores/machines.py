"""Stored machine definitions with an integer version history: the ``MachineStore`` protocol.

A machine is identified by ``machine_id``; each save appends version ``n + 1`` holding the source
text (YAML or JSON, as the author wrote it) and the parsed configuration (JSON-shaped). Saves are
compare-and-set on the latest version: ``expected_version=0`` creates (the machine must not exist),
``n`` requires the latest version to be ``n``, ``None`` appends unconditionally; a mismatch raises
``StaleVersionError`` and writes nothing. ``InMemoryMachineStore`` lives here; SQLite and
PostgreSQL implementations live in ``pystator_stores.machines``.

The protocol is async only: its callers (the REST API, ``pystator up``) run on an event loop.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pystator.errors import StaleVersionError

__all__ = [
    "MACHINE_ID_PATTERN",
    "InMemoryMachineStore",
    "MachineFormat",
    "MachineStore",
    "MachineVersion",
    "check_machine_id",
    "machine_conflict",
]

MachineFormat = Literal["yaml", "json"]
MACHINE_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$"
_MACHINE_ID = re.compile(MACHINE_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class MachineVersion:
    """One stored version of a machine definition."""

    machine_id: str
    version: int
    source: str
    """The definition as written (YAML or JSON text)."""
    format: MachineFormat
    config: Mapping[str, Any]
    """The parsed, normalized configuration (JSON-shaped)."""
    created_at: datetime
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


def check_machine_id(machine_id: str) -> None:
    if not isinstance(machine_id, str) or not _MACHINE_ID.match(machine_id):
        raise ValueError(
            "machine_id: expected 1-128 letters, digits, '_', '-' or '.', not starting with '-' or '.', "
            f"got {machine_id!r}"
        )


def machine_conflict(machine_id: str, expected: int, actual: int) -> StaleVersionError:
    what = "does not exist" if actual == 0 else f"is at version {actual}"
    wanted = "to be new" if expected == 0 else f"version {expected}"
    return StaleVersionError(
        f"machine {machine_id!r} {what}, expected {wanted}: reload it and retry",
        expected_version=expected,
        actual_version=actual,
        context={"machine_id": machine_id},
    )


@runtime_checkable
class MachineStore(Protocol):
    """Where machine definitions and their versions live."""

    async def alist_machines(self) -> list[MachineVersion]:
        """The latest version of every machine, ordered by ``machine_id``."""
        ...

    async def aget_machine(self, machine_id: str, version: int | None = None) -> MachineVersion | None:
        """Version ``version`` (the latest when None) of a machine, or None when there is none."""
        ...

    async def aversions(self, machine_id: str) -> list[int]:
        """Every stored version number of a machine, ascending (empty when unknown)."""
        ...

    async def asave_machine(
        self,
        machine_id: str,
        *,
        source: str,
        format: MachineFormat,
        config: Mapping[str, Any],
        expected_version: int | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> MachineVersion:
        """Append a version (compare-and-set on the latest, see the module docstring)."""
        ...

    async def adelete_machine(self, machine_id: str) -> bool:
        """Delete every version; False when the machine did not exist."""
        ...

    async def aping(self) -> None:
        """Touch the backend (readiness checks); raises when it cannot be reached."""
        ...

    async def aclose(self) -> None: ...


class InMemoryMachineStore:
    """A ``MachineStore`` in a dict: tests and throwaway processes."""

    def __init__(self) -> None:
        self._machines: dict[str, list[MachineVersion]] = {}
        self._lock = asyncio.Lock()

    async def alist_machines(self) -> list[MachineVersion]:
        return [versions[-1] for _, versions in sorted(self._machines.items())]

    async def aget_machine(self, machine_id: str, version: int | None = None) -> MachineVersion | None:
        versions = self._machines.get(machine_id)
        if not versions:
            return None
        if version is None:
            return versions[-1]
        return versions[version - 1] if 1 <= version <= len(versions) else None

    async def aversions(self, machine_id: str) -> list[int]:
        return [v.version for v in self._machines.get(machine_id, [])]

    async def asave_machine(
        self,
        machine_id: str,
        *,
        source: str,
        format: MachineFormat,
        config: Mapping[str, Any],
        expected_version: int | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> MachineVersion:
        check_machine_id(machine_id)
        async with self._lock:
            versions = self._machines.setdefault(machine_id, [])
            latest = len(versions)
            if expected_version is not None and expected_version != latest:
                if not versions:
                    del self._machines[machine_id]
                raise machine_conflict(machine_id, expected_version, latest)
            saved = MachineVersion(
                machine_id=machine_id,
                version=latest + 1,
                source=source,
                format=format,
                config=copy.deepcopy(dict(config)),
                created_at=datetime.now(UTC),
                description=description,
                metadata=dict(metadata or {}),
            )
            versions.append(saved)
            return saved

    async def adelete_machine(self, machine_id: str) -> bool:
        async with self._lock:
            return self._machines.pop(machine_id, None) is not None

    async def aping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

"""Migration values: one numbered schema step per dialect, grouped into a component's set."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pystator.errors import StoreError

__all__ = ["AppliedMigration", "ComponentStatus", "Migration", "MigrationSet", "step_failed"]

_COMPONENT = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Migration:
    """Schema step ``version`` of a component: the statements for each dialect, run in order.

    A step runs in one transaction together with the row that records it, so it is applied
    completely or not at all.
    """

    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        if dialect == "sqlite":
            return self.sqlite
        if dialect == "postgresql":
            return self.postgresql
        raise ValueError(f"dialect: expected 'sqlite' or 'postgresql', got {dialect!r}")


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """Every schema step of one component (``stores``, ``worker``, ...), versions 1, 2, 3, ..."""

    component: str
    migrations: tuple[Migration, ...]

    def __post_init__(self) -> None:
        if not _COMPONENT.match(self.component):
            raise ValueError(
                f"MigrationSet.component: expected lowercase letters, digits and underscores, "
                f"got {self.component!r}"
            )
        versions = [m.version for m in self.migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise ValueError(
                f"MigrationSet {self.component!r}: versions must be 1, 2, 3, ... in order, got {versions}"
            )

    @property
    def latest(self) -> int:
        return len(self.migrations)


def step_failed(component: str, migration: Migration, exc: BaseException) -> StoreError:
    return StoreError(
        f"migration {component} {migration.version} ({migration.description}) failed and was rolled "
        f"back: {type(exc).__name__}: {exc}",
        context={"component": component, "version": migration.version},
    )


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    component: str
    version: int
    description: str
    applied_at: datetime


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """Where one component's schema stands in a database; ``pending`` lists the versions to apply."""

    component: str
    current: int
    latest: int
    pending: tuple[int, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest

"""Which migration sets exist: those registered in this process, and those that installed
distributions declare under the ``pystator.migrations`` entry-point group, for example
``stores = "pystator_stores.schema:MIGRATIONS"``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib.metadata import entry_points

from pystator_stores.migrations.model import MigrationSet

__all__ = ["ENTRY_POINT_GROUP", "register", "registered", "select", "unregister"]

ENTRY_POINT_GROUP = "pystator.migrations"

_lock = threading.Lock()
_registered: dict[str, MigrationSet] = {}


def register(migration_set: MigrationSet) -> None:
    """Register a component's migrations in this process (replacing an earlier set of that name)."""
    if not isinstance(migration_set, MigrationSet):
        raise TypeError(f"register: expected a MigrationSet, got {type(migration_set).__name__}")
    with _lock:
        _registered[migration_set.component] = migration_set


def unregister(component: str) -> None:
    """Forget a set registered with ``register()`` (entry-point sets cannot be unregistered)."""
    with _lock:
        if _registered.pop(component, None) is None:
            raise KeyError(f"no migration set {component!r} was registered in this process")


def registered() -> dict[str, MigrationSet]:
    """Every known migration set by component: installed entry points, then explicit registrations."""
    found: dict[str, MigrationSet] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        value = entry.load()
        if not isinstance(value, MigrationSet):
            raise TypeError(
                f"entry point {entry.name!r} in {ENTRY_POINT_GROUP!r} ({entry.value}) is not a MigrationSet"
            )
        found[value.component] = value
    with _lock:
        found.update(_registered)
    return found


def select(components: Iterable[str] | None) -> list[MigrationSet]:
    """The sets to work on, in a stable order; an unknown component name is an error naming the known ones."""
    known = registered()
    if components is None:
        return [known[name] for name in sorted(known)]
    chosen = []
    for name in components:
        if name not in known:
            raise ValueError(
                f"unknown migration component {name!r}; known: {', '.join(sorted(known)) or 'none'}"
            )
        chosen.append(known[name])
    return chosen

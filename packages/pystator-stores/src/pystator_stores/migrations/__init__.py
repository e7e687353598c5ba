"""Versioned schema migrations for SQLite and PostgreSQL, registered per component.

Each distribution that owns tables declares a ``MigrationSet`` (``stores`` here; the worker adds
``worker``) under the ``pystator.migrations`` entry-point group, or calls ``register()``. The runner
records applied steps in ``pystator_schema_migrations(component, version, description, applied_at)``;
it is idempotent and safe when several processes upgrade at once (an advisory lock on PostgreSQL, a
write transaction per step on SQLite)::

    from pystator_stores.migrations import status, upgrade

    upgrade("postgresql://app@db/app")   # what `pystator db upgrade` runs
    status("sqlite:///pystator.db")      # [ComponentStatus(component='stores', current=1, latest=1, ...)]
"""

from pystator_stores.migrations.model import AppliedMigration, ComponentStatus, Migration, MigrationSet
from pystator_stores.migrations.registry import ENTRY_POINT_GROUP, register, registered, unregister
from pystator_stores.migrations.runner import astatus, aupgrade, status, upgrade

__all__ = [
    "ENTRY_POINT_GROUP",
    "AppliedMigration",
    "ComponentStatus",
    "Migration",
    "MigrationSet",
    "astatus",
    "aupgrade",
    "register",
    "registered",
    "status",
    "unregister",
    "upgrade",
]

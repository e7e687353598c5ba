"""State stores: protocols, records and the in-memory store here; SQLite, PostgreSQL and Redis forwarded.

``SQLiteStateStore``, ``PostgresStateStore`` and ``RedisStateStore`` live in ``pystator-stores`` and
are imported on first access only (an ``ImportError`` names what to install when it is missing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pystator._forward import ForwardedName, forwarding_getattr
from pystator.stores.cache import EntityCache
from pystator.stores.checks import check_entity_machine, check_stored_state
from pystator.stores.codec import context_changes
from pystator.stores.memory import InMemoryStateStore
from pystator.stores.protocols import (
    AsyncAuditStore,
    AsyncBatchStateStore,
    AsyncContextStore,
    AsyncQueryableStateStore,
    AsyncStateStore,
    AsyncTransactionalStateStore,
    AsyncVersionedStateStore,
    AuditStore,
    BatchStateStore,
    ContextStore,
    FullStateStore,
    QueryableStateStore,
    StateStore,
    TransactionalStateStore,
    VersionedStateStore,
)
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityPage,
    EntityRecord,
    PlannedAction,
    TransitionCommit,
    TransitionRecord,
    action_idempotency_key,
)

if TYPE_CHECKING:
    from pystator_stores.postgres import PostgresStateStore as PostgresStateStore
    from pystator_stores.redis import RedisStateStore as RedisStateStore
    from pystator_stores.sqlite import SQLiteStateStore as SQLiteStateStore

_FORWARDED = {
    "SQLiteStateStore": ForwardedName("pystator_stores.sqlite", "pystator-stores", "pystator-stores"),
    "PostgresStateStore": ForwardedName(
        "pystator_stores.postgres", "pystator-stores", "'pystator-stores[postgres]'"
    ),
    "RedisStateStore": ForwardedName("pystator_stores.redis", "pystator-stores", "'pystator-stores[redis]'"),
}

__getattr__ = forwarding_getattr(__name__, _FORWARDED, globals())

__all__ = [
    "ActionOutcome",
    "ActionsStatus",
    "AsyncAuditStore",
    "AsyncBatchStateStore",
    "AsyncContextStore",
    "AsyncQueryableStateStore",
    "AsyncStateStore",
    "AsyncTransactionalStateStore",
    "AsyncVersionedStateStore",
    "AuditStore",
    "BatchStateStore",
    "CommitResult",
    "ContextStore",
    "EntityCache",
    "EntityPage",
    "EntityRecord",
    "FullStateStore",
    "InMemoryStateStore",
    "PlannedAction",
    "QueryableStateStore",
    "StateStore",
    "TransactionalStateStore",
    "TransitionCommit",
    "TransitionRecord",
    "VersionedStateStore",
    "action_idempotency_key",
    "check_entity_machine",
    "check_stored_state",
    "context_changes",
]

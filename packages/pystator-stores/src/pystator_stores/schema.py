"""The ``stores`` component's tables: entities, and the append-only transition history.

``pystator_entities`` holds one row per entity (keyed by ``entity_id``; ``machine`` is a column
that queries filter on). ``pystator_transitions`` holds one row per committed version; its primary key
``(entity_id, version)`` makes a second commit of the same version impossible, the partial unique
index on ``(entity_id, idempotency_key)`` does the same for a repeated event, and the partial index
on pending rows keeps crash recovery cheap however long the history grows.
"""

from __future__ import annotations

from pystator_stores.migrations.model import Migration, MigrationSet

__all__ = ["MIGRATIONS"]

_V1_SQLITE = (
    """
    CREATE TABLE pystator_entities (
        entity_id  TEXT    NOT NULL PRIMARY KEY,
        machine    TEXT    NOT NULL DEFAULT '',
        state      TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        context    TEXT    NOT NULL DEFAULT '{}',
        metadata   TEXT    NOT NULL DEFAULT '{}',
        created_at TEXT    NOT NULL,
        updated_at TEXT    NOT NULL
    )
    """,
    "CREATE INDEX pystator_entities_by_machine_state ON pystator_entities (machine, state, entity_id)",
    """
    CREATE TABLE pystator_transitions (
        entity_id       TEXT    NOT NULL,
        version         INTEGER NOT NULL,
        machine         TEXT    NOT NULL,
        from_state      TEXT,
        to_state        TEXT    NOT NULL,
        trigger         TEXT    NOT NULL,
        occurred_at     TEXT    NOT NULL,
        event_id        TEXT,
        idempotency_key TEXT,
        context_changes TEXT    NOT NULL,
        actions         TEXT    NOT NULL,
        actions_status  TEXT    NOT NULL,
        action_outcomes TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        PRIMARY KEY (entity_id, version)
    )
    """,
    """
    CREATE UNIQUE INDEX pystator_transitions_by_idempotency_key
        ON pystator_transitions (entity_id, idempotency_key) WHERE idempotency_key IS NOT NULL
    """,
    """
    CREATE INDEX pystator_transitions_pending
        ON pystator_transitions (occurred_at) WHERE actions_status = 'pending'
    """,
)

_V1_POSTGRESQL = (
    """
    CREATE TABLE pystator_entities (
        entity_id  text        NOT NULL PRIMARY KEY,
        machine    text        NOT NULL DEFAULT '',
        state      text        NOT NULL,
        version    bigint      NOT NULL,
        context    jsonb       NOT NULL DEFAULT '{}'::jsonb,
        metadata   jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX pystator_entities_by_machine_state ON pystator_entities (machine, state, entity_id)",
    """
    CREATE TABLE pystator_transitions (
        entity_id       text        NOT NULL,
        version         bigint      NOT NULL,
        machine         text        NOT NULL,
        from_state      text,
        to_state        text        NOT NULL,
        trigger         text        NOT NULL,
        occurred_at     timestamptz NOT NULL,
        event_id        text,
        idempotency_key text,
        context_changes jsonb       NOT NULL,
        actions         jsonb       NOT NULL,
        actions_status  text        NOT NULL,
        action_outcomes jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        PRIMARY KEY (entity_id, version)
    )
    """,
    """
    CREATE UNIQUE INDEX pystator_transitions_by_idempotency_key
        ON pystator_transitions (entity_id, idempotency_key) WHERE idempotency_key IS NOT NULL
    """,
    """
    CREATE INDEX pystator_transitions_pending
        ON pystator_transitions (occurred_at) WHERE actions_status = 'pending'
    """,
)

MIGRATIONS = MigrationSet(
    component="stores",
    migrations=(
        Migration(
            version=1,
            description="entities and transition history",
            sqlite=_V1_SQLITE,
            postgresql=_V1_POSTGRESQL,
        ),
    ),
)

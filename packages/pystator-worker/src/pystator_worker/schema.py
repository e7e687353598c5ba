"""The ``worker`` component's tables, applied by ``pystator db upgrade`` (``pystator_stores.migrations``).

- ``worker_events``: one row per submitted event. ``seq`` orders events (per entity: submission
  order); ``event_id`` is the id callers see. Two partial indexes on pending rows keep claiming
  cheap however long the table grows: ``(seq)`` for the scan in submission order and
  ``(entity_id, seq)`` for the "no older pending event of this entity" check. A partial unique index
  makes a repeated idempotency key of one entity impossible.
- ``worker_dead_letters``: one row per event that ended ``failed`` or ``dead`` and was not yet
  replayed or discarded.
- ``worker_nodes``: one row per worker process, its heartbeat and counters (health and metrics).
"""

from __future__ import annotations

from pystator_stores.migrations.model import Migration, MigrationSet

__all__ = ["COMPONENT", "MIGRATIONS"]

COMPONENT = "worker"

_EVENT_INDEXES = (
    "CREATE UNIQUE INDEX worker_events_by_event_id ON worker_events (event_id)",
    "CREATE INDEX worker_events_pending ON worker_events (seq) WHERE status = 'pending'",
    "CREATE INDEX worker_events_pending_by_entity ON worker_events (entity_id, seq) WHERE status = 'pending'",
    """
    CREATE UNIQUE INDEX worker_events_by_idempotency_key
        ON worker_events (entity_id, idempotency_key) WHERE idempotency_key IS NOT NULL
    """,
    "CREATE INDEX worker_events_processing ON worker_events (lease_expires_at) WHERE status = 'processing'",
    "CREATE INDEX worker_events_finished ON worker_events (finished_at) WHERE finished_at IS NOT NULL",
)

_V1_SQLITE = (
    """
    CREATE TABLE worker_events (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id         TEXT    NOT NULL,
        machine          TEXT    NOT NULL DEFAULT '',
        entity_id        TEXT    NOT NULL,
        trigger          TEXT    NOT NULL,
        payload          TEXT    NOT NULL DEFAULT '{}',
        idempotency_key  TEXT,
        status           TEXT    NOT NULL,
        outcome          TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        last_error       TEXT,
        result           TEXT,
        applied_version  INTEGER,
        locked_by        TEXT,
        lease_expires_at REAL,
        created_at       REAL    NOT NULL,
        available_at     REAL    NOT NULL,
        started_at       REAL,
        finished_at      REAL
    )
    """,
    *_EVENT_INDEXES,
    """
    CREATE TABLE worker_dead_letters (
        event_id TEXT    NOT NULL PRIMARY KEY,
        reason   TEXT    NOT NULL,
        error    TEXT    NOT NULL,
        attempts INTEGER NOT NULL,
        dead_at  REAL    NOT NULL
    )
    """,
    """
    CREATE TABLE worker_nodes (
        worker_id    TEXT    NOT NULL PRIMARY KEY,
        hostname     TEXT    NOT NULL,
        pid          INTEGER NOT NULL,
        concurrency  INTEGER NOT NULL,
        started_at   REAL    NOT NULL,
        heartbeat_at REAL    NOT NULL,
        stopped_at   REAL,
        processed    INTEGER NOT NULL DEFAULT 0,
        failed       INTEGER NOT NULL DEFAULT 0
    )
    """,
)

_V1_POSTGRESQL = (
    """
    CREATE TABLE worker_events (
        seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id         text        NOT NULL,
        machine          text        NOT NULL DEFAULT '',
        entity_id        text        NOT NULL,
        trigger          text        NOT NULL,
        payload          jsonb       NOT NULL DEFAULT '{}'::jsonb,
        idempotency_key  text,
        status           text        NOT NULL,
        outcome          text,
        attempts         integer     NOT NULL DEFAULT 0,
        last_error       text,
        result           jsonb,
        applied_version  bigint,
        locked_by        text,
        lease_expires_at timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        available_at     timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz
    )
    """,
    *_EVENT_INDEXES,
    """
    CREATE TABLE worker_dead_letters (
        event_id text        NOT NULL PRIMARY KEY,
        reason   text        NOT NULL,
        error    text        NOT NULL,
        attempts integer     NOT NULL,
        dead_at  timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE worker_nodes (
        worker_id    text        NOT NULL PRIMARY KEY,
        hostname     text        NOT NULL,
        pid          integer     NOT NULL,
        concurrency  integer     NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        stopped_at   timestamptz,
        processed    bigint      NOT NULL DEFAULT 0,
        failed       bigint      NOT NULL DEFAULT 0
    )
    """,
)

MIGRATIONS = MigrationSet(
    component=COMPONENT,
    migrations=(
        Migration(
            version=1,
            description="worker events, dead letters and worker nodes",
            sqlite=_V1_SQLITE,
            postgresql=_V1_POSTGRESQL,
        ),
    ),
)

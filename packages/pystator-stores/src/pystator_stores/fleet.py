"""Queries across every entity of a SQL store: the transition feed, rates, entity counts, deletion.

The state store protocols look at one entity at a time; the REST API's observability and feed
routes need the whole history table. ``open_fleet(url)`` returns a ``FleetQueries`` over the
``stores`` component's tables (``pystator_entities``, ``pystator_transitions``).

The feed is ordered by ``(occurred_at, entity_id, version)`` and paged with a ``FeedCursor`` on that
key, so a page boundary never skips nor repeats a row.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pystator.stores import codec
from pystator.stores.records import TransitionRecord
from pystator_stores._sql import PostgresDatabase, SQLiteDatabase
from pystator_stores.urls import parse_store_url

__all__ = ["FeedCursor", "FeedPage", "FleetQueries", "open_fleet"]

_COLUMNS = (
    "entity_id, machine, version, from_state, to_state, trigger, occurred_at, event_id, idempotency_key, "
    "context_changes, actions, actions_status, action_outcomes, metadata"
)
Order = Literal["asc", "desc"]


@dataclass(frozen=True, slots=True)
class FeedCursor:
    """A position in the feed: the key of the last row seen."""

    occurred_at: datetime
    entity_id: str
    version: int

    def encode(self) -> str:
        text = f"{codec.encode_timestamp(self.occurred_at)}|{self.version}|{self.entity_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> FeedCursor:
        """Parse a token from ``encode``; ``ValueError`` when it is not one."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, version, entity_id = text.split("|", 2)
            occurred_at = datetime.fromisoformat(stamp)
            if occurred_at.tzinfo is None or not entity_id:
                raise ValueError
            return cls(occurred_at, entity_id, int(version))
        except (ValueError, UnicodeDecodeError):
            raise ValueError(f"cursor: not a cursor returned by this API: {token[:80]!r}") from None

    @classmethod
    def of(cls, record: TransitionRecord) -> FeedCursor:
        return cls(record.timestamp, record.entity_id, record.version)


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[TransitionRecord]
    next_cursor: FeedCursor | None


def _record(row: Any) -> TransitionRecord:
    (eid, machine, version, from_state, to_state, trigger, occurred_at, event_id, key, changes, actions,
     status, outcomes, metadata) = tuple(row)  # fmt: skip
    return codec.transition_from_columns(
        eid,
        machine=machine,
        version=version,
        from_state=from_state,
        to_state=to_state,
        trigger=trigger,
        timestamp=occurred_at,
        event_id=event_id,
        idempotency_key=key,
        context_changes=changes,
        actions=actions,
        actions_status=status,
        action_outcomes=outcomes,
        metadata=metadata,
    )


class FleetQueries(Protocol):
    async def transitions(
        self,
        *,
        machine: str | None = None,
        entity_id: str | None = None,
        since: datetime | None = None,
        after: FeedCursor | None = None,
        limit: int = 100,
        order: Order = "asc",
    ) -> FeedPage: ...

    async def transition_counts(self, since: datetime, *, machine: str | None = None) -> dict[str, int]:
        """Committed transitions per machine since ``since``."""
        ...

    async def entity_counts(self) -> dict[str, int]:
        """Entities per machine."""
        ...

    async def delete_entity(self, entity_id: str) -> bool:
        """Delete an entity and its history in one transaction; False when unknown."""
        ...

    async def aping(self) -> None: ...

    async def aclose(self) -> None: ...


class _Where:
    """Builds a WHERE clause with numbered (``$n``) or positional (``?``) parameters."""

    def __init__(self, numbered: bool) -> None:
        self.numbered = numbered
        self.parts: list[str] = []
        self.args: list[Any] = []

    def p(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}" if self.numbered else "?"

    def add(self, clause: str) -> None:
        self.parts.append(clause)

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.parts)}" if self.parts else ""


def _feed_query(
    numbered: bool,
    stamp: Any,
    *,
    machine: str | None,
    entity_id: str | None,
    since: datetime | None,
    after: FeedCursor | None,
    limit: int,
    order: Order,
) -> tuple[str, list[Any]]:
    where = _Where(numbered)
    if machine is not None:
        where.add(f"machine = {where.p(machine)}")
    if entity_id is not None:
        where.add(f"entity_id = {where.p(entity_id)}")
    if since is not None:
        where.add(f"occurred_at >= {where.p(stamp(since))}")
    if after is not None:
        op = ">" if order == "asc" else "<"
        t, e, v = where.p(stamp(after.occurred_at)), where.p(after.entity_id), where.p(after.version)
        where.add(f"(occurred_at, entity_id, version) {op} ({t}, {e}, {v})")
    direction = "ASC" if order == "asc" else "DESC"
    sql = (
        f"SELECT {_COLUMNS} FROM pystator_transitions{where.sql()} "
        f"ORDER BY occurred_at {direction}, entity_id {direction}, version {direction} "
        f"LIMIT {where.p(limit + 1)}"
    )
    return sql, where.args


def _page(rows: list[Any], limit: int) -> FeedPage:
    items = [_record(r) for r in rows[:limit]]
    more = len(rows) > limit
    return FeedPage(items, FeedCursor.of(items[-1]) if more and items else None)


class SQLiteFleet:
    def __init__(self, path: str) -> None:
        self._db = SQLiteDatabase(path)

    async def transitions(
        self,
        *,
        machine: str | None = None,
        entity_id: str | None = None,
        since: datetime | None = None,
        after: FeedCursor | None = None,
        limit: int = 100,
        order: Order = "asc",
    ) -> FeedPage:
        sql, args = _feed_query(
            False,
            codec.encode_timestamp,
            machine=machine,
            entity_id=entity_id,
            since=since,
            after=after,
            limit=limit,
            order=order,
        )
        rows = await self._db.read(lambda c: c.execute(sql, args).fetchall())
        return _page(rows, limit)

    async def transition_counts(self, since: datetime, *, machine: str | None = None) -> dict[str, int]:
        where = _Where(False)
        where.add(f"occurred_at >= {where.p(codec.encode_timestamp(since))}")
        if machine is not None:
            where.add(f"machine = {where.p(machine)}")
        sql = f"SELECT machine, count(*) FROM pystator_transitions{where.sql()} GROUP BY machine"
        rows = await self._db.read(lambda c: c.execute(sql, where.args).fetchall())
        return {str(m): int(n) for m, n in rows}

    async def entity_counts(self) -> dict[str, int]:
        sql = "SELECT machine, count(*) FROM pystator_entities GROUP BY machine"
        rows = await self._db.read(lambda c: c.execute(sql).fetchall())
        return {str(m): int(n) for m, n in rows}

    async def delete_entity(self, entity_id: str) -> bool:
        def delete(conn: Any) -> bool:
            conn.execute("DELETE FROM pystator_transitions WHERE entity_id = ?", (entity_id,))
            return bool(
                conn.execute("DELETE FROM pystator_entities WHERE entity_id = ?", (entity_id,)).rowcount
            )

        return await self._db.write(delete)

    async def aping(self) -> None:
        await self._db.read(lambda c: c.execute("SELECT 1 FROM pystator_entities LIMIT 1").fetchall())

    async def aclose(self) -> None:
        await self._db.aclose()


def _identity(value: datetime) -> datetime:
    return value


class PostgresFleet:
    def __init__(self, dsn: str) -> None:
        self._db = PostgresDatabase(dsn)

    async def transitions(
        self,
        *,
        machine: str | None = None,
        entity_id: str | None = None,
        since: datetime | None = None,
        after: FeedCursor | None = None,
        limit: int = 100,
        order: Order = "asc",
    ) -> FeedPage:
        sql, args = _feed_query(
            True,
            _identity,
            machine=machine,
            entity_id=entity_id,
            since=since,
            after=after,
            limit=limit,
            order=order,
        )
        return _page(await self._db.fetch(sql, *args), limit)

    async def transition_counts(self, since: datetime, *, machine: str | None = None) -> dict[str, int]:
        where = _Where(True)
        where.add(f"occurred_at >= {where.p(since)}")
        if machine is not None:
            where.add(f"machine = {where.p(machine)}")
        rows = await self._db.fetch(
            f"SELECT machine, count(*) FROM pystator_transitions{where.sql()} GROUP BY machine", *where.args
        )
        return {str(m): int(n) for m, n in rows}

    async def entity_counts(self) -> dict[str, int]:
        rows = await self._db.fetch("SELECT machine, count(*) FROM pystator_entities GROUP BY machine")
        return {str(m): int(n) for m, n in rows}

    async def delete_entity(self, entity_id: str) -> bool:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM pystator_transitions WHERE entity_id = $1", entity_id)
            status = await conn.execute("DELETE FROM pystator_entities WHERE entity_id = $1", entity_id)
        return bool(status != "DELETE 0")

    async def aping(self) -> None:
        await self._db.fetch("SELECT 1")

    async def aclose(self) -> None:
        await self._db.aclose()


def open_fleet(url: str) -> FleetQueries:
    """Fleet queries over the SQL store a URL names (its tables must exist: open the store first)."""
    parsed = parse_store_url(url)
    if parsed.backend == "sqlite":
        return SQLiteFleet(parsed.target)
    if parsed.backend == "postgresql":
        return PostgresFleet(parsed.target)
    raise ValueError(f"fleet queries need a SQL database (sqlite:// or postgresql://), got {url!r}")

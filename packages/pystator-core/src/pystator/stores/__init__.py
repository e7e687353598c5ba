"""State stores: protocols and the in-memory store here; SQLite, PostgreSQL and Redis forwarded lazily.

``SQLiteStateStore``, ``PostgresStateStore`` and ``RedisStateStore`` live in ``pystator-stores`` and
are imported on first access only.
"""

from __future__ import annotations

from pystator._forward import ForwardedName, forwarding_getattr

_FORWARDED = {
    "SQLiteStateStore": ForwardedName("pystator_stores.sqlite", "pystator-stores", "pystator-stores"),
    "PostgresStateStore": ForwardedName(
        "pystator_stores.postgres", "pystator-stores", "'pystator-stores[postgres]'"
    ),
    "RedisStateStore": ForwardedName("pystator_stores.redis", "pystator-stores", "'pystator-stores[redis]'"),
}

__getattr__ = forwarding_getattr(__name__, _FORWARDED, globals())

__all__: list[str] = []

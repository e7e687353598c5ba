"""``open_store(url)``: the store a URL names, built with the backend's defaults.

``memory://`` -> ``InMemoryStateStore``; ``sqlite:///path`` -> ``SQLiteStateStore`` (``sqlite://``
alone: ``pystator.db`` in the working directory); ``postgresql://...`` -> ``PostgresStateStore``;
``redis://...`` -> ``RedisStateStore``. Keyword options go to the store's constructor. The driver of
the backend is imported only when its URL is opened.
"""

from __future__ import annotations

from typing import Any

from pystator.stores.memory import InMemoryStateStore
from pystator.stores.protocols import FullStateStore
from pystator_stores.urls import parse_store_url

__all__ = ["open_store"]


def open_store(url: str, **options: Any) -> FullStateStore:
    parsed = parse_store_url(url)
    if parsed.backend == "memory":
        return InMemoryStateStore(**options)
    if parsed.backend == "sqlite":
        from pystator_stores.sqlite import SQLiteStateStore

        return SQLiteStateStore(parsed.target, **options)
    if parsed.backend == "postgresql":
        from pystator_stores.postgres import PostgresStateStore

        return PostgresStateStore(parsed.target, **options)
    from pystator_stores.redis import RedisStateStore

    return RedisStateStore(parsed.target, **options)

"""``EntityCache``: the last record this process committed or loaded, per entity (bounded LRU).

A transition commit is a compare-and-set on the version, so a caller may compute the next transition
from a cached record and commit it with the cached version: when another process changed the entity
in between, the commit raises ``StaleVersionError`` and writes nothing; the caller then discards the
entry, reloads and retries. When nobody else wrote, the event costs one round trip (the commit)
instead of two (load, then commit). Never use a cached record for anything but such a commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from pystator.stores.records import EntityRecord

__all__ = ["EntityCache"]


class EntityCache:
    """A thread-safe LRU of ``EntityRecord`` by entity id, holding at most ``max_entries``."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries: expected an integer >= 1, got {max_entries!r}")
        self.max_entries = max_entries
        self._records: OrderedDict[str, EntityRecord] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, entity_id: str) -> EntityRecord | None:
        with self._lock:
            record = self._records.get(entity_id)
            if record is not None:
                self._records.move_to_end(entity_id)
            return record

    def put(self, record: EntityRecord) -> None:
        """Remember ``record`` unless a newer version of the entity is already cached."""
        with self._lock:
            known = self._records.get(record.entity_id)
            if known is not None and known.version > record.version:
                return
            self._records[record.entity_id] = record
            self._records.move_to_end(record.entity_id)
            while len(self._records) > self.max_entries:
                self._records.popitem(last=False)

    def discard(self, entity_id: str) -> None:
        with self._lock:
            self._records.pop(entity_id, None)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._records

"""``RecentOutcomes``: idempotency in process memory, for stores that cannot record event keys.

A ``TransactionalStateStore`` records each event's idempotency key in the same write as the
transition, so a repeated key is recognised by every process. A plain or versioned store cannot;
for those the Orchestrator remembers the last ``capacity`` outcomes per (entity, key) here, which
protects against repeats reaching the same process only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from pystator.result import TransitionResult

__all__ = ["RecentOutcomes"]


class RecentOutcomes:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, str], TransitionResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, entity_id: str, key: str) -> TransitionResult | None:
        with self._lock:
            return self._items.get((entity_id, key))

    def put(self, entity_id: str, key: str, result: TransitionResult) -> None:
        with self._lock:
            self._items[(entity_id, key)] = result
            self._items.move_to_end((entity_id, key))
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

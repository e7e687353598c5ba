"""Raw configuration (a file, a dict) -> the validated, normalised ``MachineConfig`` the engine
compiles, through ``pystator.config`` (safe loading, structure, normalisation, semantics).

``gc_paused`` keeps the cyclic garbage collector out of the way while a machine is built.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PROMOTE_AT", "gc_paused"]

PROMOTE_AT = 10_000
"""Allocations during a pause from which its survivors go straight to the oldest generation."""

_MIN_ALLOWANCE = 25 * PROMOTE_AT


class _Promotions:
    """Objects moved to the oldest generation since its last collection, and how many may be.

    The collector starts a full collection when the objects promoted by its own young collections
    reach a quarter of those that survived the last one; it does not see what ``gc_paused``
    promotes. Without this account a process that keeps loading and dropping machines (whose
    nodes form reference cycles) would keep the dropped ones forever.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending = 0
        self.allowance = _MIN_ALLOWANCE  # a quarter of the objects after the last full collection
        self.full_collections = -1

    def promote(self, young: int) -> None:
        with self.lock:
            full_collections = gc.get_stats()[-1]["collections"]
            if full_collections != self.full_collections:  # the first time, or the collector did one
                self.pending, self.full_collections = 0, full_collections
                self.allowance = _allowance()
            gc.freeze()
            gc.unfreeze()
            self.pending += young
            if self.pending > self.allowance:
                gc.collect()
                self.pending = 0
                self.full_collections = gc.get_stats()[-1]["collections"]
                self.allowance = _allowance()


def _allowance() -> int:
    """A quarter of the objects the collector tracks (the share at which it collects in full)."""
    return max(_MIN_ALLOWANCE, len(gc.get_objects()) // 4)


_promotions = _Promotions()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a machine is validated and compiled.

    Loading allocates tens of thousands of long-lived objects in one burst; the generational
    collector would rescan the growing graph many times over (it doubles the load time of a large
    machine) and could free nothing, as everything built is still referenced. The previous state
    is restored afterwards.

    After a large load (``PROMOTE_AT`` allocations or more) the survivors move to the oldest
    generation at once (``gc.freeze`` then ``gc.unfreeze``) instead of being scanned by the young
    collection that re-enabling starts at the next allocation, then by the middle one: they are
    the machine, alive as long as it is. Objects that were young before the load move with them
    (the few hundred allocated since the last collection, and the middle generation). A full
    collection follows once the objects promoted this way reach a quarter of those in the process
    (as the collector does for its own promotions). Skipped when the application has frozen
    objects of its own (``gc.get_freeze_count()``), which ``gc.unfreeze`` would release.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            young = gc.get_count()[0]
            if young >= PROMOTE_AT and gc.get_freeze_count() == 0:
                _promotions.promote(young)
            gc.enable()

"""Raw configuration (a file, a dict) -> the validated, normalised ``MachineConfig`` the engine
compiles, through ``pystator.config`` (safe loading, structure, normalisation, semantics)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a machine is validated and compiled.

    Loading allocates tens of thousands of long-lived objects in one burst; the generational
    collector would rescan the growing graph many times over (it doubles the load time of a large
    machine) and could free nothing, as everything built is still referenced. The previous state
    is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

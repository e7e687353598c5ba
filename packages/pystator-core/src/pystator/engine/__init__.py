"""The transition engine: a machine compiled once, and a pure kernel over it.

The public names are re-exported from ``pystator``; the modules here are the engine's internals
(``compiler`` builds the tables, ``kernel`` runs ``process``), documented for contributors.
"""

from pystator.engine.history import merge_history
from pystator.engine.parallel import ParallelConfiguration
from pystator.engine.reserved import (
    EVENT_KEY,
    HISTORY_KEY,
    after_trigger,
    completion_trigger,
    is_timer_trigger,
    timeout_trigger,
)
from pystator.engine.views import StateInfo, TransitionInfo

__all__ = [
    "EVENT_KEY",
    "HISTORY_KEY",
    "ParallelConfiguration",
    "StateInfo",
    "TransitionInfo",
    "after_trigger",
    "completion_trigger",
    "is_timer_trigger",
    "merge_history",
    "timeout_trigger",
]

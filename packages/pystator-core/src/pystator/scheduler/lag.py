"""``LagWindow``: lateness of recent fires, summarised as percentiles for ``SchedulerMetrics``."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

__all__ = ["LagWindow", "lag_percentiles"]


def lag_percentiles(samples: Iterable[float]) -> tuple[float | None, float | None]:
    """(p50, p99) of ``samples`` by nearest rank; (None, None) when there are none."""
    ordered = sorted(samples)
    if not ordered:
        return None, None

    def rank(pct: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]

    return rank(50), rank(99)


class LagWindow:
    """The lateness, in milliseconds, of the last ``size`` fires."""

    def __init__(self, size: int = 1000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add(self, lag_ms: float) -> None:
        self._samples.append(max(0.0, lag_ms))

    def percentiles(self) -> tuple[float | None, float | None]:
        return lag_percentiles(self._samples)

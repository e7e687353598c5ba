"""``MetricsCollector``: a hook that counts transitions and summarises their durations.

``get_summary()`` returns ``total_transitions``, ``successful_transitions``,
``failed_transitions``, ``errors`` (transitions that raised), ``success_rate`` (0.0 before any),
``duration`` (``min_ms``, ``avg_ms``, ``max_ms`` over all completed transitions; ``p95_ms`` over the
most recent ``window`` of them), ``by_trigger``, ``transitions`` (``"source->target"`` counts) and
``failure_reasons``. Thread-safe.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["MetricsCollector"]


class MetricsCollector:
    def __init__(self, *, window: int = 10_000) -> None:
        if window < 1:
            raise ValueError(f"window: expected at least 1, got {window!r}")
        self._window = window
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._succeeded = 0
            self._errors = 0
            self._durations: deque[float] = deque(maxlen=self._window)
            self._sum_ms = 0.0
            self._timed = 0
            self._min_ms = math.inf
            self._max_ms = 0.0
            self._by_trigger: dict[str, Counter[str]] = {}
            self._transitions: Counter[str] = Counter()
            self._reasons: Counter[str] = Counter()

    def on_transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        outcome = "succeeded" if result.success else "failed"
        with self._lock:
            self._total += 1
            self._durations.append(duration_ms)
            self._sum_ms += duration_ms
            self._timed += 1
            self._min_ms = min(self._min_ms, duration_ms)
            self._max_ms = max(self._max_ms, duration_ms)
            self._by_trigger.setdefault(result.trigger, Counter())[outcome] += 1
            if result.success:
                self._succeeded += 1
                self._transitions[f"{result.source_state}->{result.target_state}"] += 1
            else:
                self._reasons[str(result.metadata.get("reason", "unknown"))] += 1

    def on_transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        with self._lock:
            self._total += 1
            self._errors += 1
            self._by_trigger.setdefault(trigger, Counter())["failed"] += 1
            self._reasons[type(error).__name__] += 1

    def _p95(self) -> float:
        if not self._durations:
            return 0.0
        ordered = sorted(self._durations)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def get_summary(self) -> dict[str, Any]:
        with self._lock:
            failed = self._total - self._succeeded
            return {
                "total_transitions": self._total,
                "successful_transitions": self._succeeded,
                "failed_transitions": failed,
                "errors": self._errors,
                "success_rate": self._succeeded / self._total if self._total else 0.0,
                "duration": {
                    "count": self._timed,
                    "min_ms": self._min_ms if self._timed else 0.0,
                    "avg_ms": self._sum_ms / self._timed if self._timed else 0.0,
                    "p95_ms": self._p95(),
                    "max_ms": self._max_ms,
                },
                "by_trigger": {
                    trigger: {"total": sum(c.values()), "succeeded": c["succeeded"], "failed": c["failed"]}
                    for trigger, c in self._by_trigger.items()
                },
                "transitions": dict(self._transitions),
                "failure_reasons": dict(self._reasons),
            }

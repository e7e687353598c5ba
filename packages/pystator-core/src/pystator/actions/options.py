"""Per-action options every object entry may carry: ``when``, ``timeout``, ``retry``, ``retry_backoff``.

``when`` conditions are compiled once per condition object and cached, so running the same
planned action many times does not re-parse its expression.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["NO_OPTIONS", "RunOptions", "compiled_condition", "options_of", "retry_delay"]

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run one action: its condition, time limit (seconds) and retry policy."""

    when: Any = None
    timeout: float | None = None
    retry: int = 0
    retry_backoff: float | None = None

    @property
    def attempts(self) -> int:
        return 1 + self.retry


NO_OPTIONS = RunOptions()


def options_of(definition: Any) -> RunOptions:
    """The options of a contract model (``ActionOptions`` and subclasses); defaults for anything else."""
    if definition is None:
        return NO_OPTIONS
    when = getattr(definition, "when", None)
    timeout = getattr(definition, "timeout", None)
    retry = getattr(definition, "retry", 0) or 0
    backoff = getattr(definition, "retry_backoff", None)
    if when is None and timeout is None and not retry and backoff is None:
        return NO_OPTIONS
    return RunOptions(when=when, timeout=timeout, retry=int(retry), retry_backoff=backoff)


def retry_delay(options: RunOptions, failed_attempts: int) -> float:
    """Seconds to wait after ``failed_attempts`` failures: ``retry_backoff`` doubled each time."""
    if not options.retry_backoff:
        return 0.0
    return float(options.retry_backoff) * float(2 ** (failed_attempts - 1))


_CACHE_LIMIT = 4096
_cache: dict[int, tuple[Any, Predicate]] = {}
_cache_lock = threading.Lock()


def compiled_condition(condition: Any) -> Predicate:
    """Compile an action's ``when`` (a contract ``Condition``) once; later calls reuse the predicate."""
    key = id(condition)
    cached = _cache.get(key)
    if cached is not None and cached[0] is condition:
        return cached[1]
    from pystator.conditions import compile_condition

    predicate: Predicate = compile_condition(condition)
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        # The condition is kept alive in the entry so its id cannot be reused while cached.
        _cache[key] = (condition, predicate)
    return predicate

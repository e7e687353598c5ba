"""``RetryPolicy``: what a scheduler does when a timer's callback raises."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Deliver a timer at most ``max_attempts`` times, waiting ``backoff_ms * 2**(n-1)`` (capped at
    ``max_backoff_ms``) after the n-th failure; then the task is ``FAILED``.
    """

    max_attempts: int = 3
    backoff_ms: int = 1000
    max_backoff_ms: int = 60_000

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts: expected an integer >= 1, got {self.max_attempts!r}")
        if not isinstance(self.backoff_ms, int) or self.backoff_ms < 0:
            raise ValueError(f"RetryPolicy.backoff_ms: expected an integer >= 0, got {self.backoff_ms!r}")
        if not isinstance(self.max_backoff_ms, int) or self.max_backoff_ms < self.backoff_ms:
            raise ValueError(
                f"RetryPolicy.max_backoff_ms: expected an integer >= backoff_ms, got {self.max_backoff_ms!r}"
            )

    def delay_after(self, failed_attempts: int) -> int:
        """Milliseconds to wait before the next attempt, after ``failed_attempts`` failures."""
        exponent = min(max(failed_attempts - 1, 0), 32)
        return min(self.backoff_ms << exponent, self.max_backoff_ms)

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

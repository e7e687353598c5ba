"""Error codes shared by every PyStator package and by the wire error body."""

from __future__ import annotations

from enum import Enum

__all__ = ["ErrorCode"]


class ErrorCode(str, Enum):
    """Machine-readable reason for a failure; the same names travel over HTTP and in the queue."""

    GUARD_REJECTED = "GUARD_REJECTED"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    INVALID_TRIGGER = "INVALID_TRIGGER"
    INVALID_STATE = "INVALID_STATE"
    TERMINAL_STATE = "TERMINAL_STATE"
    TIMEOUT = "TIMEOUT"
    CONFIG = "CONFIG"
    ACTION_FAILED = "ACTION_FAILED"
    STALE_VERSION = "STALE_VERSION"
    GUARD_NOT_FOUND = "GUARD_NOT_FOUND"
    ACTION_NOT_FOUND = "ACTION_NOT_FOUND"
    UNDEFINED_STATE = "UNDEFINED_STATE"
    ENTITY_NOT_FOUND = "ENTITY_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHORIZED = "UNAUTHORIZED"
    STORE_ERROR = "STORE_ERROR"
    INTERNAL = "INTERNAL"

    def __str__(self) -> str:
        return self.value

"""Dotted paths into a context: read, write and delete without touching the caller's objects.

``"order.qty"`` reaches ``ctx["order"]["qty"]``. Writes are copy-on-write: every dict along the
path is copied before it changes, so a context that shares nested dicts with the caller's context
never alters the caller's. A path segment that lands on something other than a dict is an error
naming the path.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Final

__all__ = ["MISSING", "PathError", "delete_path", "get_path", "has_path", "set_path"]


class _Missing:
    """The value of a path that does not exist (distinct from a stored ``None``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


class PathError(ValueError):
    """A dotted path cannot be followed (an intermediate value is not a dict)."""


def _segments(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(part == "" for part in parts):
        raise PathError(f"context path {path!r}: expected names separated by single dots")
    return parts


def get_path(context: Mapping[str, Any], path: str) -> Any:
    """The value at ``path``, or ``MISSING``. A key containing the whole dotted path wins."""
    if path in context:
        return context[path]
    current: Any = context
    for part in _segments(path):
        if not isinstance(current, Mapping) or part not in current:
            return MISSING
        current = current[part]
    return current


def has_path(context: Mapping[str, Any], path: str) -> bool:
    return get_path(context, path) is not MISSING


def set_path(context: MutableMapping[str, Any], path: str, value: Any) -> None:
    """Store ``value`` at ``path`` in ``context``, creating (and copying) dicts along the way."""
    parts = _segments(path)
    if len(parts) == 1 or path in context:
        context[path] = value
        return
    current = context
    for index, part in enumerate(parts[:-1]):
        child = current.get(part, MISSING)
        if child is MISSING or child is None:
            fresh: dict[str, Any] = {}
        elif isinstance(child, Mapping):
            fresh = dict(child)
        else:
            walked = ".".join(parts[: index + 1])
            raise PathError(
                f"context path {path!r}: {walked!r} holds a {type(child).__name__}, expected a dict"
            )
        current[part] = fresh
        current = fresh
    current[parts[-1]] = value


def delete_path(context: MutableMapping[str, Any], path: str) -> bool:
    """Remove the value at ``path``; False when there was none."""
    parts = _segments(path)
    if len(parts) == 1 or path in context:
        return context.pop(path, MISSING) is not MISSING
    if get_path(context, path) is MISSING:
        return False
    parent_path = ".".join(parts[:-1])
    parent = dict(get_path(context, parent_path))
    del parent[parts[-1]]
    set_path(context, parent_path, parent)
    return True

"""A name -> callable registry shared by guards and actions (one mechanism, two vocabularies)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, overload

__all__ = ["NAME_PATTERN", "NamedRegistry"]

NAME_PATTERN = re.compile(r"^[a-z0-9_]+$")

F = TypeVar("F", bound=Callable[..., object])


class NamedRegistry(Generic[F]):
    """Registered callables by name. Subclasses set ``kind`` and the not-found error."""

    kind = "callable"

    def __init__(self) -> None:
        self._items: dict[str, F] = {}

    def _not_found(self, name: str) -> Exception:
        return KeyError(name)

    def register(self, name: str, fn: F) -> F:
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ValueError(
                f"{self.kind} name {name!r}: expected lowercase letters a-z, digits and underscores only"
            )
        if not callable(fn):
            raise TypeError(f"{self.kind} {name!r}: expected a callable, got {type(fn).__name__}")
        self._items[name] = fn
        return fn

    def unregister(self, name: str) -> None:
        if self._items.pop(name, None) is None:
            raise self._not_found(name)

    def get(self, name: str) -> F:
        try:
            return self._items[name]
        except KeyError:
            raise self._not_found(name) from None

    def has(self, name: str) -> bool:
        return name in self._items

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def names(self) -> list[str]:
        return list(self._items)

    def update(self, other: NamedRegistry[F]) -> None:
        """Copy every entry of ``other`` into this registry (later wins)."""
        self._items.update(other._items)

    @overload
    def decorator(self, name: None = None) -> Callable[[F], F]: ...
    @overload
    def decorator(self, name: str) -> Callable[[F], F]: ...
    def decorator(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function under ``name`` (the function's own name by default)."""

        def wrap(fn: F) -> F:
            self.register(name or str(getattr(fn, "__name__", "")), fn)
            return fn

        return wrap

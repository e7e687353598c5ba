"""Lazy public names inside core (PEP 562): keep ``import pystator`` fast.

The action executor, hooks, sinks and diagrams are imported on first access of one of their names,
so a program that only computes transitions never pays for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_module_attributes"]


def lazy_module_attributes(
    owner: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], Iterable[str]]]:
    """``(__getattr__, __dir__)`` for module ``owner``: ``names`` maps a public name to its module."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> Iterable[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__

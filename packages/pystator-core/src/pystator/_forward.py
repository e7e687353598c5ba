"""Lazy forwarding of public names that live in optional PyStator distributions (PEP 562).

``pystator.stores.PostgresStateStore`` is defined in the ``pystator-stores`` distribution; core
must not import it (or its driver) eagerly, and must say what to install when it is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

__all__ = ["ForwardedName", "forwarding_getattr"]


class ForwardedName(NamedTuple):
    module: str
    distribution: str
    install: str


def forwarding_getattr(
    owner: str, names: Mapping[str, ForwardedName], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """Build a module ``__getattr__`` that imports ``names`` on first access and caches them."""

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        try:
            module = importlib.import_module(target.module)
        except ModuleNotFoundError as exc:
            if _distribution_missing(target.module.split(".")[0]):
                raise ImportError(
                    f"{owner}.{name} is provided by the {target.distribution!r} distribution, "
                    f"which is not installed: pip install {target.install}",
                    name=target.module,
                ) from exc
            raise
        value = getattr(module, name)
        namespace[name] = value
        return value

    return __getattr__


def _distribution_missing(top_level: str) -> bool:
    if top_level in sys.modules:
        return sys.modules[top_level] is None
    return importlib.util.find_spec(top_level) is None

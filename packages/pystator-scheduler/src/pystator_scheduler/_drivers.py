"""Import the optional drivers with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise ImportError(
            f"{module!r} is not installed; it comes with the {extra!r} extra: "
            f"pip install 'pystator-scheduler[{extra}]'",
            name=exc.name,
        ) from exc

"""How problems are written: ``states[3].name`` paths, offending values, "did you mean" hints."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["did_you_mean", "format_path", "join_path", "one_of", "show"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$*]*$")
_MAX_SHOWN = 60


def format_path(parts: Sequence[str | int]) -> str:
    """``("states", 3, "name")`` -> ``states[3].name``; the empty path is the whole config."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "config"


def join_path(base: str, *parts: str | int) -> str:
    """Append parts to an already formatted path."""
    tail = format_path(parts) if parts else ""
    if not parts:
        return base
    if base in ("", "config"):
        return tail
    if base.endswith(":") or tail.startswith("["):
        return base + tail  # "payment.yaml:" + "states[0]"
    return f"{base}.{tail}"


def show(value: Any) -> str:
    """A short, YAML-flavoured rendering of an offending value: ``'fillled'``, ``5``, ``null``."""
    text = _render(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render(k)}: {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return f"<{type(value).__name__}>"


def did_you_mean(word: Any, candidates: Iterable[str]) -> str:
    """`` (did you mean 'filled'?)`` when one candidate is close to ``word``, else ``""``."""
    if not isinstance(word, str):
        return ""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def one_of(names: Iterable[str]) -> str:
    """``'a', 'b', 'c'``: the quoted, sorted names for messages listing the choices."""
    return ", ".join(repr(n) for n in sorted(set(names)))

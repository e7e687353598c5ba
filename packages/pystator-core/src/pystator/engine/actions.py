"""Planning action entries as ``ActionSpec`` values (the engine plans actions; it never runs them).

The mapping is the contract the ``ActionExecutor`` relies on:

- a bare name, or ``{name, params}`` -> kind ``"call"`` (``definition`` None for a bare name);
- ``{custom: {name, params}}`` -> kind ``"custom"`` with the custom name and params;
- an effect (``set``, ``timestamp``, ``increment``, ``decrement``, ``append``, ``clear``,
  ``compute``) -> kind ``"effect"``, named after its key;
- ``{http}`` / ``{code}`` / ``{branch}`` -> kinds ``"http"`` / ``"code"`` / ``"branch"``.

Every spec records its ``phase`` and, for ``on_exit`` / ``on_enter`` entries, its ``state``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pystator.engine.frozen import FrozenDict
from pystator.result import ActionSpec

__all__ = ["plan_action", "plan_actions"]

Phase = Literal["exit", "transition", "enter"]

_EFFECT_KEYS = ("set", "timestamp", "increment", "decrement", "append", "clear", "compute")
_EMPTY: Mapping[str, Any] = FrozenDict()


def plan_actions(entries: Iterable[Any], phase: Phase, state: str | None) -> tuple[ActionSpec, ...]:
    return tuple(plan_action(entry, phase, state) for entry in entries)


def plan_action(entry: Any, phase: Phase, state: str | None) -> ActionSpec:
    """One action entry (a name or a validated contract model) as an ``ActionSpec``."""
    if isinstance(entry, str):
        return ActionSpec(name=entry, params=_EMPTY, kind="call", definition=None, phase=phase, state=state)
    custom = getattr(entry, "custom", None)
    if custom is not None:
        return ActionSpec(custom.name, _frozen(custom.params), "custom", entry, phase, state)
    for key in _EFFECT_KEYS:
        if getattr(entry, key, None) is not None:
            return ActionSpec(key, _EMPTY, "effect", entry, phase, state)
    for key in ("http", "code", "branch"):
        if getattr(entry, key, None) is not None:
            return ActionSpec(key, _EMPTY, key, entry, phase, state)  # type: ignore[arg-type]
    name = getattr(entry, "name", None)
    if isinstance(name, str):
        return ActionSpec(name, _frozen(getattr(entry, "params", None) or {}), "call", entry, phase, state)
    raise TypeError(f"cannot plan action entry {entry!r}")


def _frozen(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return FrozenDict(params) if params else _EMPTY

"""The seven declarative effects: context changes written in YAML, no Python.

``set``, ``timestamp``, ``increment``, ``decrement``, ``append``, ``clear``, ``compute``. Each
effect changes the working copy of the context it is given (dotted paths reach nested dicts,
copy-on-write); the executor adopts the copy only when the effect succeeded, so a failing effect
changes nothing. Errors name the effect, the field and what was expected.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from numbers import Number
from typing import Any

from pystator.actions.paths import MISSING, delete_path, get_path, set_path

__all__ = ["EFFECTS", "EffectError", "apply_effect"]

Now = Callable[[], datetime]


class EffectError(ValueError):
    """An effect cannot be applied to the context as it is (e.g. incrementing a string)."""


def _set(spec: Mapping[str, Any], context: dict[str, Any], now: Now) -> Any:
    values = {field: copy.deepcopy(value) for field, value in spec.items()}
    for field, value in values.items():
        set_path(context, field, value)
    return values


def _timestamp(field: str, context: dict[str, Any], now: Now) -> Any:
    stamp = now().isoformat()
    set_path(context, field, stamp)
    return stamp


def _number(effect: str, field: str, context: Mapping[str, Any]) -> Any:
    current = get_path(context, field)
    if current is MISSING or current is None:
        return 0
    if isinstance(current, bool) or not isinstance(current, Number):
        raise EffectError(
            f"{effect}: context field {field!r} holds a {type(current).__name__}, expected a number"
        )
    return current


def _increment(field: str, context: dict[str, Any], now: Now) -> Any:
    value = _number("increment", field, context) + 1
    set_path(context, field, value)
    return value


def _decrement(field: str, context: dict[str, Any], now: Now) -> Any:
    value = _number("decrement", field, context) - 1
    set_path(context, field, value)
    return value


def _append(spec: Any, context: dict[str, Any], now: Now) -> Any:
    current = get_path(context, spec.field)
    if current is MISSING or current is None:
        items: list[Any] = []
    elif isinstance(current, list | tuple):
        items = list(current)
    else:
        raise EffectError(
            f"append: context field {spec.field!r} holds a {type(current).__name__}, expected a list"
        )
    items.append(copy.deepcopy(spec.value))
    set_path(context, spec.field, items)
    return items


def _clear(field: str, context: dict[str, Any], now: Now) -> Any:
    return delete_path(context, field)


_expression_cache: dict[str, Any] = {}
_expression_lock = threading.Lock()


def _compiled(field: str, source: str) -> Any:
    compiled = _expression_cache.get(source)
    if compiled is None:
        from pystator.expressions import compile_expression

        compiled = compile_expression(source, path=f"compute.{field}")
        with _expression_lock:
            if len(_expression_cache) >= 4096:
                _expression_cache.clear()
            _expression_cache[source] = compiled
    return compiled


def _compute(spec: Mapping[str, str], context: dict[str, Any], now: Now) -> Any:
    # Every expression sees the context as it was before this effect; all are evaluated before any
    # is written, so a failing expression leaves no partial result.
    values = {field: _compiled(field, source).evaluate(context) for field, source in spec.items()}
    for field, value in values.items():
        set_path(context, field, value)
    return values


EFFECTS: dict[str, Callable[[Any, dict[str, Any], Now], Any]] = {
    "set": _set,
    "timestamp": _timestamp,
    "increment": _increment,
    "decrement": _decrement,
    "append": _append,
    "clear": _clear,
    "compute": _compute,
}


def apply_effect(name: str, definition: Any, context: dict[str, Any], *, now: Now) -> Any:
    """Apply the effect ``name`` of ``definition`` (its contract model) to ``context`` in place."""
    effect = EFFECTS.get(name)
    if effect is None:
        raise EffectError(f"unknown effect {name!r}; expected one of: {', '.join(EFFECTS)}")
    spec = getattr(definition, name, MISSING)
    if spec is MISSING:
        raise EffectError(f"effect {name!r}: its definition has no {name!r} key")
    return effect(spec, context, now)

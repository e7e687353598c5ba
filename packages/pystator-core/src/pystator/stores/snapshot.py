"""Private copies of JSON values for the in-memory store: ``freeze`` on write, ``thaw`` on read.

The in-memory store must give back what a durable store would (a fresh copy that the caller may
change without touching the store) and refuse what JSON cannot carry. Encoding to JSON text on every
write and decoding on every read does both, but costs more than the rest of an in-memory event. For
the common value (dicts and lists of ``str``, ``int``, ``bool``, ``None`` and finite ``float``, built
from exactly those types), a plain deep copy is equivalent and several times cheaper: ``freeze``
makes one and ``thaw`` copies it again for each reader. Any other value (a tuple, a subclass, a value
JSON refuses, a very deep one) goes through the JSON text path, so its errors and its conversions
(tuple to list, an ``IntEnum`` to its number) stay exactly those of the durable stores.
"""

from __future__ import annotations

from typing import Any

from pystator.stores import codec

__all__ = [
    "EMPTY",
    "Flat",
    "Frozen",
    "freeze",
    "freeze_object",
    "thaw",
    "thaw_object",
]

Frozen = str | dict[str, Any] | list[Any]
"""A stored JSON value: a private deep copy, or JSON text for a value that needed encoding."""

_MAX_DEPTH = 32


class _NotPlain(Exception):
    """The value needs the JSON text path (it is not built from plain JSON types only)."""


def _copy_dict(value: dict[Any, Any], depth: int) -> dict[str, Any]:
    copy = value.copy()
    for key, item in value.items():
        if type(key) is not str:
            raise _NotPlain
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is float:
            if item - item != 0.0:  # NaN and the infinities: JSON refuses them
                raise _NotPlain
        elif kind is dict:
            if depth >= _MAX_DEPTH:
                raise _NotPlain
            copy[key] = _copy_dict(item, depth + 1)
        elif kind is list:
            if depth >= _MAX_DEPTH:
                raise _NotPlain
            copy[key] = _copy_list(item, depth + 1)
        else:
            raise _NotPlain
    return copy


def _copy_list(value: list[Any], depth: int) -> list[Any]:
    copy = value.copy()
    for index, item in enumerate(value):
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is float:
            if item - item != 0.0:
                raise _NotPlain
        elif kind is dict:
            if depth >= _MAX_DEPTH:
                raise _NotPlain
            copy[index] = _copy_dict(item, depth + 1)
        elif kind is list:
            if depth >= _MAX_DEPTH:
                raise _NotPlain
            copy[index] = _copy_list(item, depth + 1)
        else:
            raise _NotPlain
    return copy


class Flat(dict):  # type: ignore[type-arg]
    """A frozen dict whose values are all scalars: a shallow copy of it is a deep one."""

    __slots__ = ()


EMPTY: Frozen = Flat()  # the frozen empty mapping, shared: never handed out, ``thaw`` copies


def freeze(value: Any, *, field: str) -> Frozen:
    """A private copy of the JSON value ``value`` (a ``StoreError`` naming the path when it is not JSON)."""
    if type(value) is dict:
        return freeze_object(value, field)
    if type(value) is list:
        try:
            return _copy_list(value, 0)
        except _NotPlain:
            pass
    return codec.encode_json(value, field=field)


def _freeze_nested(value: dict[Any, Any]) -> Frozen | None:
    """``freeze_object`` of a non-empty dict whose values are JSON scalars or flat dicts, else None.

    One pass for the common shapes (a context_changes is ``{key: {"before": old, "after": new}}``),
    without the general copy's recursion; None sends any other value to ``freeze_object``.
    """
    copy: dict[str, Any] | None = None
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str:
            return None
        if (kind is str or kind is int or kind is bool or item is None) or (
            kind is float and item - item == 0.0
        ):
            continue
        if kind is not dict:
            return None
        for inner_key, inner in item.items():
            inner_kind = type(inner)
            if type(inner_key) is not str or (
                not (inner_kind is str or inner_kind is int or inner_kind is bool or inner is None)
                and (inner_kind is not float or inner - inner != 0.0)
            ):
                return None
        if copy is None:
            copy = value.copy()
        copy[key] = item.copy()
    return Flat(value) if copy is None else copy


def freeze_object(value: Any, field: str) -> Frozen:
    """``freeze`` for a mapping column (a context, metadata); empty mappings share one value."""
    if type(value) is dict:
        if not value:
            return EMPTY
        frozen = _freeze_nested(value)
        if frozen is not None:
            return frozen
        try:
            return _copy_dict(value, 0)
        except _NotPlain:
            pass
    elif not value:
        return EMPTY
    return codec.encode_json(codec.plain(value), field=field)


def thaw(value: Frozen, *, entity_id: str, column: str) -> Any:
    """A fresh copy of a stored value for a reader."""
    kind = type(value)
    if kind is Flat:
        return value.copy()  # type: ignore[union-attr]
    if kind is dict:
        return _copy_dict(value, 0)  # type: ignore[arg-type]
    if kind is list:
        return _copy_list(value, 0)  # type: ignore[arg-type]
    return codec.decode_json(value, entity_id=entity_id, column=column)


def thaw_object(value: Frozen, entity_id: str, column: str) -> dict[str, Any]:
    """``thaw`` for a mapping column."""
    kind = type(value)
    if kind is Flat:
        return dict.copy(value)  # type: ignore[arg-type]
    if kind is dict:
        return _copy_dict(value, 0)  # type: ignore[arg-type]
    return codec.decode_object(value, entity_id=entity_id, column=column)

"""Packed JSON mappings for what the in-memory store keeps on every write but seldom reads.

A history row's ``context_changes`` and ``metadata`` (and an entity's metadata) kept as private
copies (``snapshot.freeze``) would leave two or three dicts alive per committed transition: memory,
and containers that every garbage collection walks again, so that on a long history a full
collection costs as much as thousands of commits. Packed, the same value is one ``bytes`` object
(``marshal``, format 2: no shared references, so that each read gives independent copies as JSON
would), which holds no references the collector must follow, and reading it back builds fresh
objects: a deep copy. ``None`` stands for the empty mapping. Only values built from exactly dict,
list, str, int, bool, None and finite float are packed so; anything else takes the JSON text path of
the durable stores, with its conversions and its errors.
"""

from __future__ import annotations

import marshal
from typing import Any

from pystator.stores import codec

__all__ = ["Packed", "pack_object", "unpack_object"]

Packed = bytes | str | None
"""A stored JSON mapping: marshal bytes of a plain value, JSON text of another one, None if empty."""

_FORMAT = 2  # the newest format without references between objects
_MAX_DEPTH = 32  # deeper values take the JSON text path, as for ``snapshot.freeze``
_dumps = marshal.dumps
_loads = marshal.loads


def _plain_item(item: Any, kind: type, depth: int) -> bool:
    """Whether a value that is not a JSON scalar (str, int, bool, None) is plain JSON."""
    if kind is float:
        difference: float = item - item  # NaN for NaN and the infinities: JSON refuses them
        return difference == 0.0
    if depth >= _MAX_DEPTH:
        return False
    if kind is dict:
        return _plain_dict(item, depth + 1)
    return kind is list and _plain_list(item, depth + 1)


def _plain_list(value: list[Any], depth: int) -> bool:
    for item in value:
        kind = type(item)
        if not (kind is str or kind is int or kind is bool or item is None or _plain_item(item, kind, depth)):
            return False
    return True


def _plain_dict(value: dict[Any, Any], depth: int) -> bool:
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str or not (
            kind is str or kind is int or kind is bool or item is None or _plain_item(item, kind, depth)
        ):
            return False
    return True


def pack_object(value: Any, field: str) -> Packed:
    """A mapping column packed (a ``StoreError`` naming the path when it is not JSON)."""
    if not value:
        return None
    if type(value) is dict and _plain_dict(value, 0):
        return _dumps(value, _FORMAT)
    return codec.encode_json(codec.plain(value), field=field)


def unpack_object(value: Packed, entity_id: str, column: str) -> dict[str, Any]:
    """A fresh copy of a packed mapping column for a reader."""
    if value is None:
        return {}
    if type(value) is bytes:
        return _loads(value)  # type: ignore[no-any-return]
    return codec.decode_object(value, entity_id=entity_id, column=column)

"""Follow a pydantic error location through the schema's types, to learn what was expected there.

Locations name tagged-union members (``guards.0.check.check.field``) and synthetic steps (a single
entry standing for a list); this module tells those apart from real keys of the input.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ForwardRef, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag

__all__ = ["Located", "locate"]


@dataclass(frozen=True)
class Located:
    """Where an error points: the input path, the value there, and the type expected there."""

    path: tuple[str | int, ...]
    parent_type: Any
    expected_type: Any


def _strip(tp: Any) -> Any:
    """Drop ``Annotated`` metadata and ``Optional``; keep tagged unions as they are."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if _is_union(tp):
            members = [m for m in get_args(tp) if m is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _union_tags(tp: Any) -> dict[str, Any]:
    """Members of a tagged union by tag (empty for an untagged union)."""
    tags: dict[str, Any] = {}
    for member in get_args(tp):
        if get_origin(member) is Annotated:
            for meta in get_args(member)[1:]:
                if isinstance(meta, Tag):
                    tags[meta.tag] = member
    return tags


def _model_field_type(model: type[BaseModel], key: str) -> Any | None:
    return _fields(model).get(key)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's input keys (aliases where set) and their annotations, forward references resolved.

    A recursive model's fields keep their annotation as a forward reference, alias included, so the
    alias is looked for in the resolved ``Annotated`` metadata as well.
    """
    table: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation = _resolved(field.annotation, model)
        alias = field.alias
        if alias is None and get_origin(annotation) is Annotated:
            for meta in get_args(annotation)[1:]:
                alias = getattr(meta, "alias", None) or alias
        table[alias or name] = annotation
    return table


def _resolved(annotation: Any, model: type[BaseModel]) -> Any:
    """Evaluate a field annotation left as a forward reference (a recursive model's fields)."""
    if isinstance(annotation, ForwardRef | str):
        text = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation
        namespace = vars(sys.modules[model.__module__])
        try:
            return eval(text, dict(namespace))
        except Exception:
            return None
    return annotation


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def locate(loc: Sequence[str | int], data: Any, root: type[BaseModel]) -> Located:
    """Walk ``loc`` through ``data`` and the types under ``root`` at the same time."""
    path: list[str | int] = []
    node: Any = data
    current: Any = root
    parent: Any = None
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        current = _strip(current)
        if _is_union(current):
            tags = _union_tags(current)
            if isinstance(step, str) and step in tags:
                current = tags[step]
                continue
        parent = current
        if isinstance(step, int):
            if isinstance(node, list):
                path.append(step)
                node = node[step] if step < len(node) else None
            # else: a single entry written where a list is expected; no step in the input.
            current = _item_type(current)
            continue
        if isinstance(node, dict) and step not in node and not last:
            # A step the model added (an inline form reshaped by a validator): not in the input.
            current = _key_type(current, step)
            continue
        path.append(step)
        node = node.get(step) if isinstance(node, dict) else None
        current = _key_type(current, step)
    return Located(tuple(path), parent, _strip(current) if current is not None else None)


def _item_type(tp: Any) -> Any:
    tp = _strip(tp)
    if get_origin(tp) in (list, tuple, typing.Sequence):
        args = get_args(tp)
        return args[0] if args else None
    return None


def _key_type(tp: Any, key: str) -> Any:
    tp = _strip(tp)
    if _is_model(tp):
        return _model_field_type(tp, key)
    if get_origin(tp) is dict:
        args = get_args(tp)
        return args[1] if len(args) == 2 else None
    return None


def allowed_keys(model: Any) -> list[str]:
    """The keys a model accepts, as written in YAML (aliases first)."""
    model = _strip(model)
    if not _is_model(model):
        return []
    return list(_fields(model))


def literal_values(tp: Any) -> list[str]:
    tp = _strip(tp)
    if get_origin(tp) is Literal:
        return [str(v) for v in get_args(tp)]
    return []

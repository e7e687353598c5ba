"""Everything a configuration refers to, with its path: guard and action names, expressions,
context fields, ``{{ name }}`` templates and branch nesting. Used by validation and by lint."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from pystator_contracts._render import join_path
from pystator_contracts.machine import (
    AllOfGuard,
    AnyOfGuard,
    AppendEffect,
    BranchAction,
    CallAction,
    Check,
    CheckGuard,
    ClearEffect,
    ComputeEffect,
    CustomAction,
    DecrementEffect,
    ExprGuard,
    HttpAction,
    IncrementEffect,
    MachineConfig,
    NotGuard,
    SetEffect,
    TimestampEffect,
    WhenAllOf,
    WhenAnyOf,
)
from pystator_contracts.machine.actions import ActionOptions
from pystator_contracts.normalize import Origins

__all__ = ["Reference", "ReferenceKind", "iter_references"]

ReferenceKind = Literal["guard", "action", "expression", "field", "template"]

_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


@dataclass(frozen=True)
class Reference:
    """One reference: what kind, where (``transitions[2].guards[0]``), the name or text, and how
    deep inside ``branch`` entries it sits (0 outside any branch)."""

    kind: ReferenceKind
    path: str
    value: str
    branch_depth: int = 0


def iter_references(
    config: MachineConfig,
    origins: Origins | None = None,
    *,
    states: Sequence[int] | None = None,
    transitions: Sequence[int] | None = None,
) -> Iterator[Reference]:
    """Every reference of ``config`` in definition order (states first, then transitions).

    ``states`` / ``transitions``: the indexes (ascending) of the only states with enter or exit
    actions or ``when`` checks / of the only transitions with guards or actions, when the caller
    has found them already (validation's walks do); the others are then not looked at.
    """
    origins = origins or Origins.plain(config)
    for i in range(len(config.states)) if states is None else states:
        state = config.states[i]
        fields = state.__dict__  # one read instead of three: most states have none of these
        if not (fields["on_enter"] or fields["on_exit"] or fields["when"]):
            continue
        base = origins.states[i]
        for key in ("on_enter", "on_exit"):
            for k, entry in enumerate(getattr(state, key)):
                yield from _action(entry, join_path(base, key, k), 0)
        for k, check in enumerate(state.when):
            yield from _condition(check, join_path(base, "when", k), 0, "expression")
    for i in range(len(config.transitions)) if transitions is None else transitions:
        transition = config.transitions[i]
        fields = transition.__dict__
        if not (fields["guards"] or fields["actions"]):
            continue
        base = origins.transitions[i]
        for k, guard in enumerate(transition.guards):
            yield from _condition(guard, join_path(base, "guards", k), 0, "guard")
        for k, entry in enumerate(transition.actions):
            yield from _action(entry, join_path(base, "actions", k), 0)
    for i, invariant in enumerate(config.context_invariants):
        yield Reference("field", f"context_invariants[{i}].check.field", invariant.check.field)


def _condition(entry: Any, path: str, depth: int, bare: ReferenceKind) -> Iterator[Reference]:
    """Guard entries, action ``when`` conditions and state ``when`` checks share these forms; a bare
    string is a guard name among ``guards`` and an expression in a ``when``."""
    if isinstance(entry, str):
        yield Reference(bare, path, entry, depth)
    elif isinstance(entry, ExprGuard):
        yield Reference("expression", f"{path}.expr", entry.expr, depth)
    elif isinstance(entry, Check):
        yield Reference("field", f"{path}.field", entry.field, depth)
    elif isinstance(entry, CheckGuard):
        yield Reference("field", f"{path}.check.field", entry.check.field, depth)
    elif isinstance(entry, AllOfGuard | AnyOfGuard | WhenAllOf | WhenAnyOf):
        key, items = _composite(entry)
        for k, item in enumerate(items):
            yield from _condition(item, join_path(path, key, k), depth, bare)
    elif isinstance(entry, NotGuard):
        yield from _condition(entry.not_, f"{path}.not", depth, bare)


def _composite(entry: BaseModel) -> tuple[str, list[Any]]:
    if isinstance(entry, AllOfGuard):
        return "allOf", list(entry.all_of)
    if isinstance(entry, AnyOfGuard):
        return "anyOf", list(entry.any_of)
    if isinstance(entry, WhenAllOf):
        return "all_of", list(entry.all_of)
    assert isinstance(entry, WhenAnyOf)
    return "any_of", list(entry.any_of)


def _action(entry: Any, path: str, depth: int) -> Iterator[Reference]:
    if isinstance(entry, str):
        yield Reference("action", path, entry, depth)
        return
    if isinstance(entry, ActionOptions) and entry.when is not None:
        yield from _when(entry.when, f"{path}.when", depth)
    if isinstance(entry, CallAction):
        yield Reference("action", f"{path}.name", entry.name, depth)
    elif isinstance(entry, CustomAction):
        yield Reference("action", f"{path}.custom.name", entry.custom.name, depth)
    elif isinstance(entry, BranchAction):
        yield from _when(entry.branch.when, f"{path}.branch.when", depth + 1)
        for key, items in (("then", entry.branch.then), ("else", entry.branch.else_)):
            for k, item in enumerate(items):
                yield from _action(item, f"{path}.branch.{key}[{k}]", depth + 1)
    elif isinstance(entry, HttpAction):
        texts = [entry.http.url, *entry.http.headers.values(), *_strings(entry.http.body)]
        for text in texts:
            for name in _TEMPLATE.findall(text):
                yield Reference("template", f"{path}.http", name, depth)
    else:
        yield from _effect_fields(entry, path, depth)


def _when(condition: Any, path: str, depth: int) -> Iterator[Reference]:
    yield from _condition(condition, path, depth, "expression")


def _effect_fields(entry: Any, path: str, depth: int) -> Iterator[Reference]:
    if isinstance(entry, SetEffect):
        for key in entry.set:
            yield Reference("field", f"{path}.set", key, depth)
    elif isinstance(entry, ComputeEffect):
        for key, source in entry.compute.items():
            yield Reference("field", f"{path}.compute", key, depth)
            yield Reference("expression", join_path(f"{path}.compute", key), source, depth)
    elif isinstance(entry, TimestampEffect | IncrementEffect | DecrementEffect | ClearEffect):
        key = type(entry).__name__.removesuffix("Effect").lower()
        yield Reference("field", f"{path}.{key}", str(getattr(entry, key)), depth)
    elif isinstance(entry, AppendEffect):
        yield Reference("field", f"{path}.append.field", entry.append.field, depth)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)

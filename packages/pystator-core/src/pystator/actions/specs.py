"""Configuration action entries -> ``ActionSpec``: the one mapping shared by the engine and the executor.

A bare name or ``{name, params}`` is kind ``"call"``; ``{custom: {name, params}}`` is ``"custom"``;
the seven effects are ``"effect"`` named by their key; ``http``, ``code`` and ``branch`` are their
own kinds named after themselves. ``definition`` keeps the contract model (None for a bare name),
so per-action options (``when``, ``timeout``, ``retry``, ``retry_backoff``) travel with the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pystator.errors import ConfigurationError
from pystator.result import ActionSpec

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["Phase", "action_spec_from_entry", "action_specs_from_entries"]

Phase = Literal["exit", "transition", "enter"]

_EFFECTS = frozenset({"set", "timestamp", "increment", "decrement", "append", "clear", "compute"})


@cache
def _entry_adapter() -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    from pystator_contracts.machine import ActionEntry

    return TypeAdapter(ActionEntry)


def _validated(entry: Mapping[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return _entry_adapter().validate_python(dict(entry))
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors()
        ]
        raise ConfigurationError(f"invalid action entry {dict(entry)!r}", errors=problems) from None


def action_spec_from_entry(
    entry: Any, *, phase: Phase = "transition", state: str | None = None
) -> ActionSpec:
    """Plan one action entry (a contract model, a bare name, or a plain dict validated first)."""
    from pystator_contracts.machine import action_entry_kind

    if isinstance(entry, Mapping):
        entry = _validated(entry)
    kind = action_entry_kind(entry)
    if kind == "ref":
        return ActionSpec(name=entry, kind="call", phase=phase, state=state)
    if kind == "name":
        return ActionSpec(
            name=entry.name,
            params=dict(entry.params),
            kind="call",
            definition=entry,
            phase=phase,
            state=state,
        )
    if kind == "custom":
        return ActionSpec(
            name=entry.custom.name,
            params=dict(entry.custom.params),
            kind="custom",
            definition=entry,
            phase=phase,
            state=state,
        )
    if kind in _EFFECTS:
        return ActionSpec(name=kind, kind="effect", definition=entry, phase=phase, state=state)
    if kind == "http":
        return ActionSpec(name="http", kind="http", definition=entry, phase=phase, state=state)
    if kind == "code":
        return ActionSpec(name="code", kind="code", definition=entry, phase=phase, state=state)
    if kind == "branch":
        return ActionSpec(name="branch", kind="branch", definition=entry, phase=phase, state=state)
    raise ConfigurationError(f"not an action entry: {entry!r}")


def action_specs_from_entries(
    entries: Iterable[Any], *, phase: Phase = "transition", state: str | None = None
) -> tuple[ActionSpec, ...]:
    return tuple(action_spec_from_entry(entry, phase=phase, state=state) for entry in entries)

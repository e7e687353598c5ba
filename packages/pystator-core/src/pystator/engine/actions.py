"""Planning action entries as ``ActionSpec`` values for the compiled machine.

The mapping itself is ``pystator.actions.specs.action_spec_from_entry`` (shared with the
executor); the engine only freezes the params, because compiled specs are shared by every result
of the machine and must not be changeable through one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Literal

from pystator.engine.frozen import FrozenDict
from pystator.result import ActionSpec

__all__ = ["plan_actions"]

Phase = Literal["exit", "transition", "enter"]

_EMPTY = FrozenDict()


def plan_actions(entries: Iterable[Any], phase: Phase, state: str | None) -> tuple[ActionSpec, ...]:
    from pystator.actions.specs import action_spec_from_entry

    planned = []
    for entry in entries:
        spec = action_spec_from_entry(entry, phase=phase, state=state)
        planned.append(replace(spec, params=FrozenDict(spec.params) if spec.params else _EMPTY))
    return tuple(planned)

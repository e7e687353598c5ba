"""State definitions: simple, compound, parallel (regions), choice, with timeouts and routing checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from pystator_contracts.machine.actions import ActionEntry
from pystator_contracts.machine.base import DurationSeconds, Name, StrictModel
from pystator_contracts.machine.conditions import StateWhen

__all__ = ["InlineSubmachine", "Region", "StateDef", "StateTimeout", "StateType"]

StateType = Literal["initial", "stable", "terminal", "error", "parallel", "choice"]


def _as_list(value: Any) -> Any:
    """Let a single entry stand where a list is expected (``on_enter: notify``)."""
    if value is None:
        return []
    if isinstance(value, str | dict):
        return [value]
    return value


ActionList = Annotated[list[ActionEntry], BeforeValidator(_as_list)]
WhenList = Annotated[list[StateWhen], BeforeValidator(_as_list)]


class StateTimeout(StrictModel):
    """Leave the state for ``destination`` when it has been active for ``seconds``."""

    seconds: DurationSeconds
    destination: Name


class Region(StrictModel):
    """One orthogonal region of a parallel state."""

    name: Name
    initial: Name
    states: Annotated[list[Name], Field(min_length=1)]
    description: str = ""
    final: Name | None = None


class InlineSubmachine(StrictModel):
    """A machine nested in a state: its states become the state's children."""

    states: Annotated[list[StateDef], Field(min_length=1)]
    transitions: list[Any] = Field(default_factory=list)


class StateDef(StrictModel):
    name: Name
    type: StateType = "stable"
    description: str = ""
    group: str | None = None
    parent: Name | None = None
    initial_child: Name | None = None
    regions: list[Region] | None = None
    on_enter: ActionList = Field(default_factory=list)
    on_exit: ActionList = Field(default_factory=list)
    timeout: StateTimeout | None = None
    when: WhenList = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    submachine: Annotated[str, Field(min_length=1)] | InlineSubmachine | None = None
    entry_points: list[Name] = Field(default_factory=list)
    exit_points: list[Name] = Field(default_factory=list)

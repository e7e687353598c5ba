"""State definitions: simple, compound, parallel (regions), choice, with timeouts and routing checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag

from pystator_contracts.machine.actions import ActionEntry
from pystator_contracts.machine.base import DurationSeconds, Name, StrictModel, one_or_many
from pystator_contracts.machine.conditions import StateWhen
from pystator_contracts.machine.transitions import TransitionDef

__all__ = ["InlineSubmachine", "Region", "StateDef", "StateTimeout", "StateType", "SubmachineSpec"]

StateType = Literal["initial", "stable", "terminal", "error", "parallel", "choice"]

ActionList = Annotated[
    list[ActionEntry],
    BeforeValidator(one_or_many, json_schema_input_type=ActionEntry | list[ActionEntry] | None),
]
WhenList = Annotated[
    list[StateWhen],
    BeforeValidator(one_or_many, json_schema_input_type=StateWhen | list[StateWhen] | None),
]


class StateTimeout(StrictModel):
    """Leave the state for ``destination`` when it has been active for ``seconds``."""

    seconds: DurationSeconds
    destination: Name


class Region(StrictModel):
    """One orthogonal region of a parallel state; ``final`` (a member) marks the region as done."""

    name: Name
    initial: Name
    states: Annotated[list[Name], Field(min_length=1)]
    description: str = ""
    final: Name | None = None


class InlineSubmachine(StrictModel):
    """A machine nested in a state: its states become the state's children, its initial state the
    ``initial_child``; its transitions join the machine's."""

    states: Annotated[list[StateDef], Field(min_length=1)]
    transitions: list[TransitionDef] = Field(default_factory=list)


def _submachine_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "file"
    if isinstance(value, dict | InlineSubmachine):
        return "inline"
    return None


SubmachineSpec = Annotated[
    Annotated[Annotated[str, Field(min_length=1)], Tag("file")] | Annotated[InlineSubmachine, Tag("inline")],
    Discriminator(
        _submachine_tag,
        custom_error_type="submachine",
        custom_error_message=(
            "expected a path to a YAML/JSON machine file or an inline machine {states, transitions}"
        ),
    ),
]
"""``submachine:``: a file path (relative to the file that names it) or an inline machine."""


class StateDef(StrictModel):
    """One state. ``parent`` makes it a child of a compound state; ``regions`` make it parallel."""

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
    submachine: SubmachineSpec | None = None
    entry_points: list[Name] = Field(default_factory=list)
    exit_points: list[Name] = Field(default_factory=list)

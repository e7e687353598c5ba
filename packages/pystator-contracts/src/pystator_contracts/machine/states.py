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
    """Seconds (a number), or '500ms', '5s', '10m', '1h'."""
    destination: Name
    """The state to go to when the time is up."""


class Region(StrictModel):
    """One orthogonal region of a parallel state; ``final`` (a member) marks the region as done."""

    name: Name
    """Unique across the machine; a transition's ``region`` names it."""
    initial: Name
    """The member entered when the parallel state is entered."""
    states: Annotated[list[Name], Field(min_length=1)]
    """The region's member states (children of the parallel state)."""
    description: str = ""
    final: Name | None = None
    """A member; when every region rests in its final state the parallel state is complete."""


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
    """The state's name: lowercase a-z, digits and underscores."""
    type: StateType = "stable"
    """initial (exactly one top-level), stable, terminal (nothing leaves it), error, parallel
    (regions active at once) or choice (left at once by its first auto transition whose guards pass)."""
    description: str = ""
    group: str | None = None
    """A key of the top-level ``groups``, for display."""
    parent: Name | None = None
    """Makes this state a child of a compound state."""
    initial_child: Name | None = None
    """The child entered when this compound state is entered."""
    regions: list[Region] | None = None
    """Parallel states only: the orthogonal regions (names unique machine-wide)."""
    on_enter: ActionList = Field(default_factory=list)
    """Actions run when the state is entered."""
    on_exit: ActionList = Field(default_factory=list)
    """Actions run when the state is left."""
    timeout: StateTimeout | None = None
    """Leave for ``destination`` after ``seconds`` in this state."""
    when: WhenList = Field(default_factory=list)
    """Classification checks for when-routing and ``evaluate_destination`` (all must match)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form; kept and ignored by the engine."""
    submachine: SubmachineSpec | None = None
    """A nested machine (inline, or a file path relative to this file) that becomes the children."""
    entry_points: list[Name] = Field(default_factory=list)
    """Children that ``dest: "this:child"`` may enter directly."""
    exit_points: list[Name] = Field(default_factory=list)
    """Children that ``source: "this:child"`` may leave from."""

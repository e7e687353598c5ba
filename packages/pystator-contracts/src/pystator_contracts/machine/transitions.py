"""Transition definitions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from pystator_contracts.machine.actions import ActionEntry
from pystator_contracts.machine.base import DurationMs, Name, StrictModel, one_or_many
from pystator_contracts.machine.conditions import GuardEntry

__all__ = ["DEST_PATTERN", "SOURCE_PATTERN", "Dest", "Source", "SourceSpec", "TransitionDef"]

SOURCE_PATTERN = r"^(\*|[a-z0-9_]+(:[a-z0-9_]+)?)$"
DEST_PATTERN = r"^([a-z0-9_]+(:[a-z0-9_]+)?|H\*?\([a-z0-9_]+\))$"

Source = Annotated[str, StringConstraints(pattern=SOURCE_PATTERN)]
"""A state name, ``"*"`` (every non-terminal state) or ``"parent:exit_point"``."""

Dest = Annotated[str, StringConstraints(pattern=DEST_PATTERN)]
"""A state name, ``"parent:entry_point"``, or a history target ``H(parent)`` / ``H*(parent)``."""


def _one_or_many_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "one"
    if isinstance(value, list | tuple):
        return "many"
    return None


SourceSpec = Annotated[
    Annotated[Source, Tag("one")] | Annotated[list[Source], Field(min_length=1), Tag("many")],
    Discriminator(
        _one_or_many_tag,
        custom_error_type="source",
        custom_error_message="expected a state name, '*', or a list of state names",
    ),
]
"""A transition's ``source``: one state (or ``"*"``) or a list of states."""

GuardList = Annotated[
    list[GuardEntry],
    BeforeValidator(one_or_many, json_schema_input_type=GuardEntry | list[GuardEntry] | None),
]
ActionList = Annotated[
    list[ActionEntry],
    BeforeValidator(one_or_many, json_schema_input_type=ActionEntry | list[ActionEntry] | None),
]

# The cause rules of ``TransitionDef._has_a_cause``, for editors that validate against the JSON Schema.
_CAUSE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"required": ["trigger"], "properties": {"trigger": {"type": "string"}}},
        {"required": ["after"], "properties": {"after": {"not": {"type": "null"}}}},
        {"required": ["auto"], "properties": {"auto": {"const": True}}},
    ],
    "not": {
        "anyOf": [
            {
                "required": ["auto", "after"],
                "properties": {"auto": {"const": True}, "after": {"not": {"type": "null"}}},
            },
            {
                "required": ["auto", "trigger"],
                "properties": {"auto": {"const": True}, "trigger": {"type": "string"}},
            },
        ]
    },
}


class TransitionDef(StrictModel):
    """One transition: from ``source`` on ``trigger`` (or ``after`` a delay, or ``auto``) to ``dest``.

    Without ``dest`` the transition is targetless: it runs its actions and stays where it is.
    """

    model_config = ConfigDict(json_schema_extra=_CAUSE_SCHEMA)

    trigger: Name | None = None
    """The event that fires this transition."""
    after: DurationMs | None = None
    """Fire after a delay: milliseconds as an integer, or '500ms', '5s', '10m', '1h'."""
    source: SourceSpec
    """A state, a list of states, '*' (every non-terminal state) or 'parent:exit_point'."""
    dest: Dest | None = None
    """A state, 'parent:entry_point', or a history target 'H(parent)' / 'H*(parent)'."""
    guards: GuardList = Field(default_factory=list)
    """Conditions that must all pass: names, {expr}, {check}, {allOf}, {anyOf}, {not}."""
    actions: ActionList = Field(default_factory=list)
    """Actions run between the exit and the enter actions."""
    region: Name | None = None
    """Scope the transition to one region of a parallel state."""
    internal: bool = False
    """Stay inside the source: no exit or enter actions."""
    auto: bool = False
    """Eventless: taken on entering the source when the guards pass."""
    description: str = ""
    ref: str | None = None
    """A requirement id."""
    refs: list[str] = Field(default_factory=list)
    """Requirement ids."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form; kept and ignored by the engine."""

    @model_validator(mode="after")
    def _has_a_cause(self) -> TransitionDef:
        fields = self.__dict__  # one read instead of three: this runs for every transition
        trigger, after, auto = fields["trigger"], fields["after"], fields["auto"]
        if trigger is None and after is None and not auto:
            raise ValueError("a transition needs a 'trigger', an 'after' delay, or 'auto: true'")
        if auto and after is not None:
            raise ValueError("'auto' and 'after' exclude each other: an eventless transition has no delay")
        if auto and trigger is not None:
            raise ValueError(
                "'auto' and 'trigger' exclude each other: an eventless transition has no trigger"
            )
        return self

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

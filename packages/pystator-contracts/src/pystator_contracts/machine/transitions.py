"""Transition definitions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from pystator_contracts.machine.actions import ActionEntry
from pystator_contracts.machine.base import DurationMs, Name, StrictModel
from pystator_contracts.machine.conditions import GuardEntry

__all__ = ["DEST_PATTERN", "SOURCE_PATTERN", "Dest", "Source", "TransitionDef"]

SOURCE_PATTERN = r"^(\*|[a-z0-9_]+(:[a-z0-9_]+)?)$"
DEST_PATTERN = r"^([a-z0-9_]+(:[a-z0-9_]+)?|H\*?\([a-z0-9_]+\))$"

Source = Annotated[str, StringConstraints(pattern=SOURCE_PATTERN)]
"""A state name, ``"*"`` (every non-terminal state) or ``"parent:exit_point"``."""

Dest = Annotated[str, StringConstraints(pattern=DEST_PATTERN)]
"""A state name, ``"parent:entry_point"``, or a history target ``H(parent)`` / ``H*(parent)``."""


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str | dict):
        return [value]
    return value


class TransitionDef(StrictModel):
    trigger: Name | None = None
    after: DurationMs | None = None
    source: Source | Annotated[list[Source], Field(min_length=1)]
    dest: Dest | None = None
    guards: Annotated[list[GuardEntry], BeforeValidator(_as_list)] = Field(default_factory=list)
    actions: Annotated[list[ActionEntry], BeforeValidator(_as_list)] = Field(default_factory=list)
    region: Name | None = None
    internal: bool = False
    auto: bool = False
    description: str = ""
    ref: str | None = None
    refs: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_a_cause(self) -> TransitionDef:
        causes = [
            name for name, on in (("trigger", self.trigger), ("after", self.after), ("auto", self.auto)) if on
        ]
        if not causes:
            raise ValueError("a transition needs a 'trigger', an 'after' delay, or 'auto: true'")
        if self.auto and self.after is not None:
            raise ValueError("'auto' and 'after' exclude each other: an eventless transition has no delay")
        return self

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

"""The whole machine configuration: ``MachineConfig`` and its top-level blocks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from pystator_contracts.machine.base import Name, StrictModel
from pystator_contracts.machine.conditions import Check
from pystator_contracts.machine.states import StateDef
from pystator_contracts.machine.transitions import TransitionDef

__all__ = [
    "Classification",
    "ContextInvariant",
    "ErrorPolicy",
    "EventDoc",
    "MachineConfig",
    "MachineMeta",
    "StateVariable",
]


class Classification(StrictModel):
    """``meta.classification``: when-routing after each change of state or context data."""

    auto_route: bool = False
    default_state: Name | None = None


class MachineMeta(StrictModel):
    """Machine metadata and runtime switches. Unknown keys are kept (free-form) and ignored by the engine."""

    model_config = ConfigDict(extra="allow")

    machine_name: str | None = None
    version: str | None = None
    description: str = ""
    strict_mode: bool = True
    reject_invalid_events: bool | None = None
    strict_guard_registry: bool | None = None
    event_normalizer: Literal["lower", "upper"] | None = None
    validate_context: bool = False
    orchestrator_default_fallback: Literal["off", "hint", "persist"] = "off"
    classification: Classification | None = None

    @property
    def effective_reject_invalid_events(self) -> bool:
        return self.strict_mode if self.reject_invalid_events is None else self.reject_invalid_events

    @property
    def effective_strict_guard_registry(self) -> bool:
        return self.strict_mode if self.strict_guard_registry is None else self.strict_guard_registry


class ErrorPolicy(StrictModel):
    default_fallback: Name | None = None
    retry_attempts: Annotated[int, Field(ge=0)] = 0


class StateVariable(StrictModel):
    key: Name
    type: Literal["string", "number", "boolean", "object"] | None = None
    description: str = ""
    default: Any = None
    required: bool = False


class ContextInvariant(StrictModel):
    """A global context check: ``{name, check: {field, op, value}}`` or the check's fields inline."""

    name: Name
    check: Check

    @model_validator(mode="before")
    @classmethod
    def _inline_check(cls, data: Any) -> Any:
        if isinstance(data, dict) and "check" not in data and "field" in data:
            inline = {k: v for k, v in data.items() if k != "name"}
            return {"name": data.get("name"), "check": inline}
        return data


class EventDoc(StrictModel):
    """Documentation of an event the machine understands; the engine does not use it."""

    name: Name
    description: str = ""
    payload: Any = None


class MachineConfig(StrictModel):
    """A machine definition as read from YAML/JSON (structure only; semantics are checked separately)."""

    meta: MachineMeta = Field(default_factory=MachineMeta)
    states: Annotated[list[StateDef], Field(min_length=1)]
    transitions: list[TransitionDef]
    groups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    error_policy: ErrorPolicy | None = None
    state_variables: list[Name | StateVariable] = Field(default_factory=list)
    context_invariants: list[ContextInvariant] = Field(default_factory=list)
    events: list[EventDoc] = Field(default_factory=list)

    @property
    def variables(self) -> list[StateVariable]:
        """``state_variables`` with bare names expanded to ``StateVariable(key=name)``."""
        return [v if isinstance(v, StateVariable) else StateVariable(key=v) for v in self.state_variables]

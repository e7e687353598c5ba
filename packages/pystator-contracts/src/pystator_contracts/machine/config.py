"""The whole machine configuration: ``MachineConfig`` and its top-level blocks."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator

from pystator_contracts.machine.base import NAME_PATTERN, Name, StrictModel
from pystator_contracts.machine.conditions import _CHECK_OPERAND_SCHEMA, Check, CheckOp
from pystator_contracts.machine.states import StateDef
from pystator_contracts.machine.transitions import TransitionDef

__all__ = [
    "Classification",
    "StateVariableEntry",
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
    """Move to the state whose when checks match after each change of state or context data."""
    default_state: Name | None = None
    """Where routing goes when no state's when checks match."""


def _version_text(value: Any) -> Any:
    """``version: 1.2`` in YAML is a number; keep it as the text the author wrote."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


VersionText = Annotated[
    str | None, BeforeValidator(_version_text, json_schema_input_type=str | int | float | None)
]


class MachineMeta(StrictModel):
    """Machine metadata and runtime switches. Unknown keys are kept (free-form) and ignored by the engine."""

    model_config = ConfigDict(extra="allow")

    machine_name: str | None = None
    version: VersionText = None
    description: str = ""
    strict_mode: bool = True
    """true: an unknown trigger or no matching transition fails, and every guard must be registered;
    false: those are successful no-ops and unregistered guards pass."""
    reject_invalid_events: bool | None = None
    """Overrides strict_mode for unknown triggers / no matching transition."""
    strict_guard_registry: bool | None = None
    """Overrides strict_mode for unregistered guards."""
    event_normalizer: Literal["lower", "upper"] | None = None
    """Change the case of incoming triggers before matching."""
    validate_context: bool = False
    """Check the context against state_variables and context_invariants before each transition."""
    orchestrator_default_fallback: Literal["off", "hint", "persist"] = "off"
    """What the Orchestrator does with error_policy.default_fallback for an invalid event."""
    classification: Classification | None = None
    """When-routing: {auto_route, default_state}."""

    @property
    def effective_reject_invalid_events(self) -> bool:
        return self.strict_mode if self.reject_invalid_events is None else self.reject_invalid_events

    @property
    def effective_strict_guard_registry(self) -> bool:
        return self.strict_mode if self.strict_guard_registry is None else self.strict_guard_registry


class ErrorPolicy(StrictModel):
    default_fallback: Name | None = None
    """The state the Orchestrator may fall back to for an invalid event (see meta)."""
    retry_attempts: Annotated[int, Field(ge=0)] = 0


class StateVariable(StrictModel):
    key: Name
    type: Literal["string", "number", "boolean", "object"] | None = None
    description: str = ""
    default: Any = None
    required: bool = False


def _invariant_schema(schema: dict[str, Any]) -> None:
    """Describe both accepted forms: ``{name, check: {...}}`` and ``{name, field, op, value}``."""
    nested = dict(schema)
    schema.clear()
    schema["anyOf"] = [
        nested,
        {
            "type": "object",
            "title": "ContextInvariantInline",
            "additionalProperties": False,
            "required": ["name", "field"],
            "properties": {
                "name": {"type": "string", "pattern": NAME_PATTERN, "minLength": 1},
                "field": {"type": "string", "minLength": 1},
                "op": {"enum": list(get_args(CheckOp))},
                "value": {},
                "values": {"anyOf": [{"type": "array"}, {"type": "null"}]},
            },
            **_CHECK_OPERAND_SCHEMA,
        },
    ]


class ContextInvariant(StrictModel):
    """A global context check: ``{name, check: {field, op, value}}`` or the check's fields inline."""

    model_config = ConfigDict(json_schema_extra=_invariant_schema)

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


def _variable_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict | StateVariable):
        return "object"
    return None


StateVariableEntry = Annotated[
    Annotated[Name, Tag("name")] | Annotated[StateVariable, Tag("object")],
    Discriminator(
        _variable_tag,
        custom_error_type="state_variable",
        custom_error_message="expected a variable name or {key, type, description, default, required}",
    ),
]


class MachineConfig(StrictModel):
    """A machine definition as read from YAML/JSON (structure only; semantics are checked separately).

    ``$schema`` is accepted (and ignored) so that JSON files can point editors at the JSON Schema.
    """

    schema_uri: str | None = Field(default=None, alias="$schema")
    """The JSON Schema this file follows (ignored)."""
    meta: MachineMeta = Field(default_factory=MachineMeta)
    """Machine metadata and runtime switches; unknown keys are kept."""
    states: Annotated[list[StateDef], Field(min_length=1)]
    """The states; exactly one top-level state has type: initial."""
    transitions: list[TransitionDef]
    """The transitions, tried in definition order (innermost source first)."""
    groups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Display groups {name: {label, description, ...}}, exposed as machine.meta["groups"]."""
    error_policy: ErrorPolicy | None = None
    """{default_fallback, retry_attempts}."""
    state_variables: list[StateVariableEntry] = Field(default_factory=list)
    """The context contract: names, or {key, type, description, default, required}."""
    context_invariants: list[ContextInvariant] = Field(default_factory=list)
    """Global context checks applied when meta.validate_context is true."""
    events: list[EventDoc] = Field(default_factory=list)
    """Documentation of the events the machine understands; not used by the engine."""

    @property
    def variables(self) -> list[StateVariable]:
        """``state_variables`` with bare names expanded to ``StateVariable(key=name)``."""
        return [v if isinstance(v, StateVariable) else StateVariable(key=v) for v in self.state_variables]

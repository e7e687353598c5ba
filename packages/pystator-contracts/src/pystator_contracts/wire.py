"""Wire formats shared by the API, the worker and the CLI: what travels over HTTP and in the queue.

Requests refuse unknown fields (a typo is an error); records and responses ignore them, so an
older reader accepts what a newer writer sends. Every timestamp is timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from pystator_contracts.codes import ErrorCode

__all__ = [
    "ActionPlan",
    "EntitySnapshot",
    "ErrorBody",
    "EventEnvelope",
    "LintFinding",
    "ProcessRequest",
    "ProcessResponse",
    "TimerPlan",
    "TransitionRecord",
    "ValidateRequest",
    "ValidationReport",
    "WireModel",
    "WireRequest",
]

EntityId = Annotated[str, Field(min_length=1, max_length=255)]
TriggerText = Annotated[str, Field(min_length=1, max_length=200)]


def _now() -> datetime:
    return datetime.now(UTC)


class WireModel(BaseModel):
    """A record or response: frozen, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)


class WireRequest(BaseModel):
    """A request body: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ErrorBody(WireModel):
    """The body of every error response, and of a failed transition in a record."""

    status: int = Field(ge=400, le=599)
    """The HTTP status."""
    code: ErrorCode
    """Machine-readable reason (the same codes as ``pystator.ErrorCode``)."""
    message: str
    """Human-readable summary."""
    path: str | None = None
    """Where the problem is: a config path (``transitions[2].dest``) or a request field."""
    errors: list[str] = Field(default_factory=list)
    """Every problem, when there are several (configuration validation)."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Structured context of the error (``FSMError.context``)."""


class EventEnvelope(WireModel):
    """An event on its way to an entity: what ``submit_event`` enqueues and the worker consumes."""

    event_id: UUID = Field(default_factory=uuid4)
    machine_name: str = Field(min_length=1)
    entity_id: EntityId
    trigger: TriggerText
    payload: dict[str, Any] = Field(default_factory=dict)
    """Merged into the context the guards see."""
    idempotency_key: str | None = None
    """Events with the same key for the same entity are applied once."""
    source: str = ""
    """Who sent the event (service name, user, ...)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: AwareDatetime = Field(default_factory=_now)
    not_before: AwareDatetime | None = None
    """Do not process before this time (delayed transitions)."""
    attempt: int = Field(default=0, ge=0)
    """Processing attempts made so far."""


class EntitySnapshot(WireModel):
    """An entity's persisted state: what stores hold and the API returns."""

    machine_name: str = Field(min_length=1)
    entity_id: EntityId
    state: str
    """The current state (a parallel configuration encoded in one string)."""
    context: dict[str, Any] = Field(default_factory=dict)
    version: int = Field(default=0, ge=0)
    """Bumped by every committed transition (optimistic locking)."""
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ActionPlan(WireModel):
    """One planned action of a transition (``pystator.result.ActionSpec`` on the wire)."""

    name: str
    kind: Literal["call", "custom", "effect", "http", "code", "branch"] = "call"
    params: dict[str, Any] = Field(default_factory=dict)
    phase: Literal["exit", "transition", "enter"] = "transition"
    state: str | None = None
    """The state whose on_exit / on_enter the action came from."""


class TimerPlan(WireModel):
    """A delayed transition or state timeout armed by a transition (``pystator.result.TimerSpec``)."""

    timer_id: str
    state: str
    delay_ms: int = Field(gt=0)
    trigger: str
    kind: Literal["after", "timeout"] = "after"
    destination: str | None = None


class TransitionRecord(WireModel):
    """One row of an entity's history: an applied (or refused) event."""

    machine_name: str = Field(min_length=1)
    entity_id: EntityId
    event_id: UUID | None = None
    trigger: str
    source_state: str
    target_state: str | None = None
    success: bool
    version: int | None = Field(default=None, ge=0)
    """The entity's version after this transition (None when it failed)."""
    actions: list[ActionPlan] = Field(default_factory=list)
    error: ErrorBody | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    occurred_at: AwareDatetime = Field(default_factory=_now)
    duration_ms: float | None = Field(default=None, ge=0)


class ProcessRequest(WireRequest):
    """``POST /api/v1/process``: one stateless transition of an inline or a stored machine."""

    machine: dict[str, Any] | None = None
    """An inline machine configuration (the YAML/JSON format as an object)."""
    machine_id: str | None = None
    """A stored machine, instead of ``machine``."""
    current_state: str | None = None
    """The state to start from; the machine's initial state when omitted."""
    trigger: TriggerText
    context: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_machine(self) -> ProcessRequest:
        if (self.machine is None) == (self.machine_id is None):
            raise ValueError("give exactly one of 'machine' (an inline configuration) or 'machine_id'")
        return self


class ProcessResponse(WireModel):
    """The outcome of a stateless transition (``TransitionResult`` on the wire); actions are planned,
    not run."""

    success: bool
    source_state: str
    target_state: str | None = None
    trigger: str
    actions: list[ActionPlan] = Field(default_factory=list)
    """Exit, transition and enter actions in run order."""
    timers_to_start: list[TimerPlan] = Field(default_factory=list)
    timers_to_cancel: list[str] = Field(default_factory=list)
    error: ErrorBody | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ValidateRequest(WireRequest):
    """``POST /api/v1/machines/validate``."""

    machine: dict[str, Any]
    lint: bool = True
    """Also return lint warnings when the configuration is valid."""


class LintFinding(WireModel):
    """One lint warning (``pystator.lint.LintWarning`` on the wire)."""

    code: str
    severity: Literal["warning", "info"]
    path: str
    message: str


class ValidationReport(WireModel):
    """Validation outcome: every error, and lint warnings when valid."""

    valid: bool
    errors: list[str] = Field(default_factory=list)
    warnings: list[LintFinding] = Field(default_factory=list)

"""Request and response bodies of the REST API that are not shared wire formats.

Shared formats (``ProcessRequest``, ``ProcessResponse``, ``ValidationReport``, ``ActionPlan``,
``ErrorBody``, ...) come from ``pystator_contracts.wire``. Requests refuse unknown fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from pystator.stores.machines import MACHINE_ID_PATTERN
from pystator.stores.records import TransitionRecord
from pystator_contracts.wire import ActionPlan, ErrorBody, ProcessRequest, TimerPlan

__all__ = [
    "ActionResultOut",
    "ApplyDataRequest",
    "BulkCreateRequest",
    "BulkEventsRequest",
    "BulkItemResult",
    "BulkResult",
    "CompatibilityReport",
    "DeadLetterOut",
    "DefinitionBody",
    "DryRunRequest",
    "EntityCreate",
    "EntityMetrics",
    "EntityOut",
    "EntityPageOut",
    "EventRequest",
    "EventResponse",
    "FleetSummary",
    "HealthOut",
    "HistoryOut",
    "IndexOut",
    "LoginRequest",
    "MachineCreate",
    "MachineOut",
    "MachineSummary",
    "MachineUpdate",
    "MeOut",
    "ProcessBody",
    "QueuedEventOut",
    "ReadyOut",
    "SettingsOverview",
    "StateCounts",
    "TemplateOut",
    "TemplateSummary",
    "TimelineEntry",
    "TimelineOut",
    "TokenOut",
    "TransitionOut",
    "TransitionPage",
    "TransitionRates",
    "TriggersOut",
    "ValidateBody",
]

MachineId = Annotated[str, Field(pattern=MACHINE_ID_PATTERN, min_length=1, max_length=128)]
EntityId = Annotated[str, Field(min_length=1, max_length=255)]
Trigger = Annotated[str, Field(min_length=1, max_length=200)]
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=255)]
MAX_BULK = 500


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _no_explicit_nulls(self) -> Request:
        # Optional fields are omitted, never null: the schema says so, and so does validation.
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))}: omit the field instead of sending null")
        return self


def _one_of(*names: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [name]} for name in names]}


class Response(BaseModel):
    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)


class IndexOut(Response):
    name: Literal["PyStator API"] = "PyStator API"
    version: str
    docs: str = "/docs"
    """Interactive API documentation."""
    openapi: str = "/openapi.json"


class HealthOut(Response):
    status: Literal["ok"] = "ok"


class ReadyOut(Response):
    status: Literal["ready"] = "ready"
    store: str
    """The store backend that answered (sqlite, postgresql, ...)."""


class ProcessBody(ProcessRequest):
    """``POST /api/v1/process``: an inline ``machine`` or a stored ``machine_id`` (exactly one)."""

    model_config = ConfigDict(json_schema_extra=_one_of("machine", "machine_id"))

    machine: dict[str, Any] | SkipJsonSchema[None] = None
    """An inline machine configuration (the YAML/JSON format as an object)."""
    machine_id: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=128)
    """A stored machine, instead of ``machine``."""
    current_state: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=1000)
    """The state to start from; the machine's initial state when omitted."""

    @model_validator(mode="after")
    def _no_explicit_nulls(self) -> ProcessBody:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))}: omit the field instead of sending null")
        return self


class LoginRequest(Request):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class TokenOut(Response):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: AwareDatetime


class MeOut(Response):
    name: str
    kind: Literal["anonymous", "token", "api_key"]
    """How the caller authenticated (``anonymous`` when auth is off)."""
    auth_enabled: bool


class DefinitionBody(Request):
    """A machine definition: ``source`` text (YAML or JSON) or a ``machine`` object, not both."""

    model_config = ConfigDict(json_schema_extra=_one_of("source", "machine"))

    source: str | SkipJsonSchema[None] = Field(default=None, max_length=512 * 1024)
    """YAML or JSON text, as it would be in a file."""
    machine: dict[str, Any] | SkipJsonSchema[None] = None
    """The definition as a JSON object."""
    format: Literal["yaml", "json"] | SkipJsonSchema[None] = None
    """The format of ``source`` (guessed when omitted: JSON when it starts with '{')."""

    @model_validator(mode="after")
    def _one_definition(self) -> DefinitionBody:
        if (self.source is None) == (self.machine is None):
            raise ValueError("give exactly one of 'source' (YAML/JSON text) or 'machine' (an object)")
        return self

    def definition(self) -> str | dict[str, Any]:
        return self.source if self.source is not None else dict(self.machine or {})


class ValidateBody(DefinitionBody):
    lint: bool = True
    """Also return lint warnings when the definition is valid."""


class MachineCreate(DefinitionBody):
    machine_id: MachineId | SkipJsonSchema[None] = None
    """The id; ``meta.machine_name`` of the definition when omitted."""
    description: str = Field(default="", max_length=2000)


class MachineUpdate(DefinitionBody):
    expected_version: int | SkipJsonSchema[None] = Field(default=None, ge=1, le=2**31 - 1)
    """The version the change is based on; 409 when the latest version differs (no check when omitted)."""
    description: str = Field(default="", max_length=2000)


class MachineSummary(Response):
    machine_id: str
    version: int
    description: str
    created_at: AwareDatetime
    """When this version was saved."""
    initial_state: str
    states: list[str]
    triggers: list[str]
    error: str | None = None
    """Set, in a listing, when this PyStator refuses the stored configuration (for example one saved
    by another release); ``initial_state`` is then empty and ``states``/``triggers`` are empty lists."""


class MachineOut(MachineSummary):
    versions: list[int]
    format: Literal["yaml", "json"]
    source: str
    config: dict[str, Any]
    """The normalized configuration."""


class CompatibilityReport(Response):
    """What replacing the latest version by the proposed definition would do."""

    machine_id: str
    current_version: int
    compatible: bool
    """True when no state or trigger disappears and no transition changes."""
    removed_states: list[str]
    added_states: list[str]
    removed_triggers: list[str]
    added_triggers: list[str]
    changed_transitions: list[str]
    """Transitions (``source --trigger--> dest``) of the current version absent from the new one."""
    initial_state_changed: bool
    stranded_entities: int
    """Stored entities resting in a state the new version removes."""
    stranded_by_state: dict[str, int]


class EntityCreate(Request):
    machine_id: MachineId
    initial_state: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    """Start here instead of the machine's initial state."""
    context: dict[str, Any] = Field(default_factory=dict)


class EntityOut(Response):
    entity_id: str
    machine_id: str
    state: str
    version: int
    context: dict[str, Any]
    updated_at: AwareDatetime
    active_states: list[str]
    """The leaf states the entity rests in (several for a parallel state)."""
    is_terminal: bool


class EntityPageOut(Response):
    """One page of a machine's entities; pass ``next_after`` as ``after`` for the next page."""

    machine_id: str
    items: list[EntityOut]
    next_after: str | None


class EventRequest(Request):
    trigger: Trigger
    payload: dict[str, Any] = Field(default_factory=dict)
    """Merged into the context the guards see."""
    idempotency_key: IdempotencyKey | SkipJsonSchema[None] = None
    """Repeating an event with the same key applies it once and returns the first outcome."""


class ActionResultOut(Response):
    action_name: str
    status: str
    success: bool
    result: Any = None
    error: str | None = None


class EventResponse(Response):
    """The outcome of an event: the transition (committed when ``success``) and its actions' results."""

    success: bool
    entity_id: str
    source_state: str
    target_state: str | None
    trigger: str
    version: int | None
    """The entity's version after the event."""
    duplicate: bool = False
    """True when the idempotency key had been applied before (nothing new happened)."""
    actions: list[ActionPlan] = Field(default_factory=list)
    action_results: list[ActionResultOut] = Field(default_factory=list)
    timers_to_start: list[TimerPlan] = Field(default_factory=list)
    error: ErrorBody | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class DryRunRequest(Request):
    trigger: Trigger
    payload: dict[str, Any] = Field(default_factory=dict)


class TransitionOut(Response):
    entity_id: str
    machine_id: str
    version: int
    from_state: str | None
    to_state: str
    trigger: str
    occurred_at: AwareDatetime
    event_id: str | None = None
    idempotency_key: str | None = None
    context_changes: dict[str, Any] = Field(default_factory=dict)
    actions: list[ActionPlan] = Field(default_factory=list)
    actions_status: str
    action_outcomes: list[dict[str, Any]] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, record: TransitionRecord) -> TransitionOut:
        return cls(
            entity_id=record.entity_id,
            machine_id=record.machine,
            version=record.version,
            from_state=record.from_state,
            to_state=record.to_state,
            trigger=record.trigger,
            occurred_at=record.timestamp,
            event_id=record.event_id,
            idempotency_key=record.idempotency_key,
            context_changes=dict(record.context_changes),
            actions=[
                ActionPlan(
                    name=a.name,
                    kind=a.kind,
                    params=dict(a.params),
                    phase=a.phase,
                    state=a.state,
                )
                for a in record.actions
            ],
            actions_status=str(record.actions_status),
            action_outcomes=[
                {
                    "name": o.name,
                    "status": str(o.status),
                    "error": o.error,
                }
                for o in record.action_outcomes
            ],
            metadata=dict(record.metadata),
        )


class HistoryOut(Response):
    entity_id: str
    items: list[TransitionOut]
    next_after_version: int | None
    """Pass as ``after_version`` for the next page (None on the last)."""


class TimelineEntry(Response):
    state: str
    version: int
    trigger: str
    entered_at: AwareDatetime
    left_at: AwareDatetime | None
    duration_seconds: float | None
    """Time spent in the state (None while the entity is still there)."""


class TimelineOut(Response):
    entity_id: str
    entries: list[TimelineEntry]


class TriggersOut(Response):
    entity_id: str
    state: str
    available: list[str]
    """Triggers that would succeed now (guards evaluated against the stored context)."""
    defined: list[str]
    """Every trigger with a transition from the state."""


class EntityMetrics(Response):
    entity_id: str
    machine_id: str
    state: str
    version: int
    created_at: AwareDatetime | None
    last_transition_at: AwareDatetime | None
    seconds_in_state: float
    transitions: int
    """Committed transitions, creation included (the entity's version)."""
    triggers: dict[str, int]
    """How often each trigger was applied (over the first 1000 transitions)."""
    states_visited: dict[str, int]
    actions_failed: int
    actions_pending: int


class BulkEntity(Request):
    entity_id: EntityId
    initial_state: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    context: dict[str, Any] = Field(default_factory=dict)


class BulkCreateRequest(Request):
    machine_id: MachineId
    entities: list[BulkEntity] = Field(min_length=1, max_length=MAX_BULK)


class BulkEvent(Request):
    entity_id: EntityId
    trigger: Trigger
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: IdempotencyKey | SkipJsonSchema[None] = None


class BulkEventsRequest(Request):
    events: list[BulkEvent] = Field(min_length=1, max_length=MAX_BULK)


class BulkItemResult(Response):
    entity_id: str
    ok: bool
    status: int
    """The HTTP status the single-entity route would have answered."""
    state: str | None = None
    version: int | None = None
    error: ErrorBody | None = None


class BulkResult(Response):
    succeeded: int
    failed: int
    results: list[BulkItemResult]


class MachineFleet(Response):
    machine_id: str
    version: int
    entities: int
    transitions_last_hour: int


class FleetSummary(Response):
    machines: int
    entities: int
    transitions_last_hour: int
    per_machine: list[MachineFleet]
    unassigned_entities: int
    """Entities with no stored machine (written outside the API, or whose machine was deleted)."""


class StateCounts(Response):
    machine_id: str
    counts: dict[str, int]
    total: int


class TransitionRates(Response):
    window_seconds: int
    since: AwareDatetime
    per_machine: dict[str, int]
    """Transitions committed in the window, per machine."""
    per_minute: dict[str, float]
    total: int


class TransitionPage(Response):
    items: list[TransitionOut]
    next_cursor: str | None


class TemplateSummary(Response):
    name: str
    description: str
    machine_name: str


class TemplateOut(TemplateSummary):
    format: Literal["yaml", "json"]
    source: str


class SettingsOverview(Response):
    version: str
    database_backend: str
    database_url: str
    """The URL with any password hidden."""
    redis_configured: bool
    scheduler_backend: str
    timers: str
    """Which scheduler arms delayed transitions in this process (``none`` when off)."""
    auth_enabled: bool
    login_enabled: bool
    api_keys: int
    users: int
    max_body_bytes: int
    cors_origins: list[str]
    features: dict[str, bool]
    worker: dict[str, Any]


class ApplyDataRequest(Request):
    data: dict[str, Any] = Field(min_length=1)
    """Merged into the entity's context by the worker (the payload of the ``apply_data`` event)."""
    idempotency_key: IdempotencyKey | SkipJsonSchema[None] = None
    """Submitting twice with the same key queues one event."""


class QueuedEventOut(Response):
    """An event in the worker queue."""

    event_id: str
    machine_id: str
    entity_id: str
    trigger: str
    payload: dict[str, Any]
    status: str
    """pending, processing, done, failed or dead."""
    outcome: str | None = None
    attempts: int
    created_at: AwareDatetime
    available_at: AwareDatetime
    idempotency_key: str | None = None
    last_error: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)
    finished_at: AwareDatetime | None = None


class DeadLetterOut(Response):
    event: QueuedEventOut
    reason: str
    """failed (a permanent error) or dead (retries exhausted)."""
    error: str
    attempts: int
    dead_at: AwareDatetime

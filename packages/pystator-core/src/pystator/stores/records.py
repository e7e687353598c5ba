"""What stores keep and return: entities, transitions (the audit history) and what a commit writes.

Every value here is frozen. Mappings inside are JSON-shaped (str keys; str, int, float, bool, None,
lists and dicts), because every backend stores them as JSON and must give back what it was given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pystator.actions.result import ActionStatus
from pystator.stores._fastinit import fast_frozen_init, fast_frozen_init_checked

if TYPE_CHECKING:
    from pystator.actions.result import ActionResult
    from pystator.result import ActionSpec

__all__ = [
    "ActionOutcome",
    "ActionsStatus",
    "CommitResult",
    "EntityPage",
    "EntityRecord",
    "PlannedAction",
    "TransitionCommit",
    "TransitionRecord",
    "action_idempotency_key",
]


class ActionsStatus(str, Enum):
    """Where the actions planned by one transition stand.

    ``pending`` from the commit until their outcomes are recorded (a record still pending after a
    crash is what recovery resumes); ``done`` when every action succeeded or was skipped (and for a
    transition without actions); ``failed`` when at least one failed or timed out.
    """

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def from_outcomes(cls, outcomes: Sequence[ActionOutcome]) -> ActionsStatus:
        failing = (ActionStatus.FAILED, ActionStatus.TIMED_OUT)
        return cls.FAILED if any(o.status in failing for o in outcomes) else cls.DONE


def action_idempotency_key(machine: str, entity_id: str, version: int, index: int) -> str:
    """The stable key of one planned action: ``machine:entity:version:action_index``."""
    return f"{machine}:{entity_id}:{version}:{index}"


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One entity as stored: its machine, current state, version and context.

    ``version`` counts committed state writes, starting at 1 when the entity is created. ``machine``
    is ``""`` for an entity written only through the plain ``set_state`` methods; the first
    transition commit assigns it.
    """

    entity_id: str
    machine: str
    state: str
    version: int
    context: Mapping[str, Any]
    updated_at: datetime
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntityPage:
    """One page of entities ordered by ``entity_id``; pass ``next_after`` as ``after`` for the next."""

    items: tuple[EntityRecord, ...]
    next_after: str | None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class PlannedAction:
    """An action planned by a transition, kept in the history so that recovery can run it later.

    ``definition`` is the JSON form of a config-borne entry (an effect, an ``http`` call, ...);
    ``None`` for an action called by name.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "call"
    phase: str = "transition"
    state: str | None = None
    definition: Mapping[str, Any] | None = None

    @classmethod
    def from_spec(cls, spec: ActionSpec) -> PlannedAction:
        """The storable form of an ``ActionSpec`` from a ``TransitionResult``."""
        return cls(
            name=spec.name,
            params=dict(spec.params),
            kind=spec.kind,
            phase=spec.phase,
            state=spec.state,
            definition=_definition_as_json(spec.name, spec.definition),
        )


def _definition_as_json(name: str, definition: object) -> Mapping[str, Any] | None:
    if definition is None:
        return None
    if isinstance(definition, Mapping):
        return dict(definition)
    dump = getattr(definition, "model_dump", None)
    if callable(dump):
        dumped = dump(mode="json", exclude_none=True)
        if isinstance(dumped, Mapping):
            return dict(dumped)
    raise TypeError(
        f"action {name!r}: definition must be a mapping or a pydantic model, got {type(definition).__name__}"
    )


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What running one planned action came to (``error`` is ``"ExceptionType: message"``)."""

    name: str
    status: ActionStatus
    error: str | None = None
    attempts: int = 1
    duration_ms: float = 0.0

    @classmethod
    def from_result(cls, result: ActionResult) -> ActionOutcome:
        error = None
        if result.error is not None:
            error = f"{type(result.error).__name__}: {result.error}"
        elif result.reason:
            error = result.reason
        return cls(
            name=result.action_name,
            status=result.status,
            error=error,
            attempts=result.attempts,
            duration_ms=result.duration_ms,
        )


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One row of the append-only history: the transition that produced ``version``.

    ``from_state`` is None for the commit that created the entity without a prior state.
    ``context_changes`` maps each changed key to ``{"before": old, "after": new}`` (a side is
    absent when the key was added or removed). Only the action columns change after the commit.
    """

    entity_id: str
    machine: str
    version: int
    from_state: str | None
    to_state: str
    trigger: str
    timestamp: datetime
    event_id: str | None = None
    idempotency_key: str | None = None
    context_changes: Mapping[str, Any] = field(default_factory=dict)
    actions: tuple[PlannedAction, ...] = ()
    actions_status: ActionsStatus = ActionsStatus.DONE
    action_outcomes: tuple[ActionOutcome, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def actions_pending(self) -> bool:
        return self.actions_status is ActionsStatus.PENDING

    def action_key(self, index: int) -> str:
        """The idempotency key of ``actions[index]``, stable across retries and recovery."""
        if not 0 <= index < len(self.actions):
            raise IndexError(f"action index {index} out of range: the transition plans {len(self.actions)}")
        return action_idempotency_key(self.machine, self.entity_id, self.version, index)


# A commit for which ``TransitionCommit.__post_init__`` finds nothing to refuse or convert: its
# ``__init__`` tests this on its arguments and runs the careful checks only when it does not hold.
_WELL_FORMED_COMMIT = """
type(entity_id) is str and entity_id
and type(machine) is str
and type(to_state) is str and to_state
and type(trigger) is str
and (from_state is None or (type(from_state) is str and from_state))
and (expected_version is None or (type(expected_version) is int and expected_version >= 0))
and type(context) is dict and type(context_changes) is dict and type(metadata) is dict
and type(actions) is tuple and (not actions or all(type(a) is _PlannedAction for a in actions))
and (event_id is None or (type(event_id) is str and event_id))
and (idempotency_key is None or (type(idempotency_key) is str and idempotency_key))
and (timestamp is None or timestamp.tzinfo is not None)
"""


@fast_frozen_init_checked(_WELL_FORMED_COMMIT, _PlannedAction=PlannedAction)
@dataclass(frozen=True, slots=True)
class TransitionCommit:
    """Everything one atomic transition write needs.

    The store compares ``expected_version`` with the stored version (``None`` or ``0``: create, the
    entity must not exist), writes ``to_state`` and ``context`` with the version bumped by one,
    appends the history row and records ``idempotency_key``; all of it or none of it.
    ``timestamp`` defaults to the store's clock.
    """

    entity_id: str
    machine: str
    expected_version: int | None
    from_state: str | None
    to_state: str
    trigger: str
    context: Mapping[str, Any] = field(default_factory=dict)
    context_changes: Mapping[str, Any] = field(default_factory=dict)
    event_id: str | None = None
    idempotency_key: str | None = None
    actions: tuple[PlannedAction, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        # ``__init__`` skips this for a commit matching ``_WELL_FORMED_COMMIT`` (it would pass).
        self._check_fields()
        if self.actions and not all(type(a) is PlannedAction for a in self.actions):
            raise ValueError("TransitionCommit.actions: expected a tuple of PlannedAction")
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            raise ValueError("TransitionCommit.timestamp: expected a timezone-aware datetime")

    def _check_fields(self) -> None:
        _require_text("entity_id", self.entity_id)
        if not isinstance(self.machine, str):
            raise ValueError(f"TransitionCommit.machine: expected a string, got {self.machine!r}")
        _require_text("to_state", self.to_state)
        if not isinstance(self.trigger, str):
            raise ValueError(f"TransitionCommit.trigger: expected a string, got {self.trigger!r}")
        if self.from_state is not None:
            _require_text("from_state", self.from_state)
        expected = self.expected_version
        if expected is not None and (
            isinstance(expected, bool) or not isinstance(expected, int) or expected < 0
        ):
            raise ValueError(
                f"TransitionCommit.expected_version: expected None or an integer >= 0, got {expected!r}"
            )
        for name in ("context", "context_changes", "metadata"):
            if not isinstance(getattr(self, name), Mapping):
                raise ValueError(f"TransitionCommit.{name}: expected a mapping, got {getattr(self, name)!r}")
        if not isinstance(self.actions, tuple | list):
            raise ValueError(
                f"TransitionCommit.actions: expected a tuple of PlannedAction, got {self.actions!r}"
            )
        object.__setattr__(self, "actions", tuple(self.actions))
        for name in ("event_id", "idempotency_key"):
            value = getattr(self, name)
            if value is not None:
                _require_text(name, value)

    @property
    def creates(self) -> bool:
        return not self.expected_version


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"TransitionCommit.{name}: expected a non-empty string, got {value!r}")


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class CommitResult:
    """What a commit came to: the entity after it and the history row of the transition.

    ``duplicate`` is True when the idempotency key had been committed before: nothing was written,
    ``transition`` is the first commit's row and ``entity`` the entity as it stands now.
    """

    entity: EntityRecord
    transition: TransitionRecord
    duplicate: bool = False

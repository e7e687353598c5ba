"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from pystator._version import __version__
from pystator.actions import ActionRegistry, ActionResult, ActionStatus
from pystator.builder import StateMachineBuilder
from pystator.clock import Clock, SystemClock
from pystator.config import validate_config
from pystator.destination import DestinationCandidate, DestinationCheckResult
from pystator.engine import ParallelConfiguration, StateInfo, TransitionInfo
from pystator.errors import (
    ActionExecutionError,
    ActionNotFoundError,
    ConfigurationError,
    ContextValidationError,
    EntityNotFoundError,
    ErrorCode,
    ExpressionError,
    ExpressionEvaluationError,
    FSMError,
    GuardNotFoundError,
    GuardRejectedError,
    InvalidStateError,
    InvalidTransitionError,
    SchedulerError,
    StaleVersionError,
    StoreError,
    TerminalStateError,
    TransitionTimeoutError,
    UndefinedStateError,
    UndefinedTriggerError,
)
from pystator.event import Event
from pystator.expressions import compile_expression
from pystator.guards import GuardRegistry
from pystator.machine import StateMachine
from pystator.orchestrator import ContextValidatorFn, Orchestrator
from pystator.result import ActionSpec, TimerSpec, TransitionResult
from pystator.scheduler import Scheduler
from pystator.stores import (
    ActionOutcome,
    ActionsStatus,
    AsyncAuditStore,
    AsyncBatchStateStore,
    AsyncContextStore,
    AsyncQueryableStateStore,
    AsyncStateStore,
    AsyncTransactionalStateStore,
    AsyncVersionedStateStore,
    AuditStore,
    BatchStateStore,
    CommitResult,
    ContextStore,
    EntityPage,
    EntityRecord,
    FullStateStore,
    InMemoryStateStore,
    PlannedAction,
    QueryableStateStore,
    StateStore,
    TransactionalStateStore,
    TransitionCommit,
    TransitionRecord,
    VersionedStateStore,
)

__all__ = [
    "ActionExecutionError",
    "ActionNotFoundError",
    "ActionOutcome",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
    "ActionsStatus",
    "AsyncAuditStore",
    "AsyncBatchStateStore",
    "AsyncContextStore",
    "AsyncQueryableStateStore",
    "AsyncStateStore",
    "AsyncTransactionalStateStore",
    "AsyncVersionedStateStore",
    "AuditStore",
    "BatchStateStore",
    "Clock",
    "CommitResult",
    "ConfigurationError",
    "ContextStore",
    "ContextValidationError",
    "ContextValidatorFn",
    "DestinationCandidate",
    "DestinationCheckResult",
    "EntityNotFoundError",
    "EntityPage",
    "EntityRecord",
    "ErrorCode",
    "Event",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FSMError",
    "FullStateStore",
    "GuardNotFoundError",
    "GuardRegistry",
    "GuardRejectedError",
    "InMemoryStateStore",
    "InvalidStateError",
    "InvalidTransitionError",
    "Orchestrator",
    "ParallelConfiguration",
    "PlannedAction",
    "QueryableStateStore",
    "Scheduler",
    "SchedulerError",
    "StaleVersionError",
    "StateInfo",
    "StateMachine",
    "StateMachineBuilder",
    "StateStore",
    "StoreError",
    "SystemClock",
    "TerminalStateError",
    "TimerSpec",
    "TransactionalStateStore",
    "TransitionCommit",
    "TransitionInfo",
    "TransitionRecord",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "VersionedStateStore",
    "__version__",
    "compile_expression",
    "validate_config",
]

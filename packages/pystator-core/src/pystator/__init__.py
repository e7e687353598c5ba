"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from typing import TYPE_CHECKING

from pystator._lazy import lazy_module_attributes
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
from pystator.result import ActionSpec, TimerSpec, TransitionResult
from pystator.scheduler import ScheduledTask, Scheduler, TaskStatus

if TYPE_CHECKING:
    from pystator.actions import ActionExecutor, BuiltinRegistries, ExecutionResult, builtin_registries
    from pystator.diagrams import to_dot, to_mermaid
    from pystator.hooks import (
        LoggingHook,
        MetricsCollector,
        StructuredLoggingHook,
        TransitionHook,
        TransitionObserver,
    )
    from pystator.orchestrator import ContextValidatorFn, Orchestrator
    from pystator.scheduler import AsyncioScheduler
    from pystator.session import EntitySession, SnapshotError
    from pystator.sinks import EventSink, MetricSink
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
        EntityCache,
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

# Imported on first access (see pystator._lazy): executor, hooks, sinks, diagrams, sessions, stores.
__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {
        "ActionExecutor": "pystator.actions",
        "BuiltinRegistries": "pystator.actions",
        "ExecutionResult": "pystator.actions",
        "builtin_registries": "pystator.actions",
        "to_dot": "pystator.diagrams",
        "to_mermaid": "pystator.diagrams",
        "LoggingHook": "pystator.hooks",
        "MetricsCollector": "pystator.hooks",
        "StructuredLoggingHook": "pystator.hooks",
        "TransitionHook": "pystator.hooks",
        "TransitionObserver": "pystator.hooks",
        "EntitySession": "pystator.session",
        "SnapshotError": "pystator.session",
        "EventSink": "pystator.sinks",
        "MetricSink": "pystator.sinks",
        "Orchestrator": "pystator.orchestrator",
        "ContextValidatorFn": "pystator.orchestrator",
        "AsyncioScheduler": "pystator.scheduler",
        "ActionOutcome": "pystator.stores",
        "ActionsStatus": "pystator.stores",
        "AsyncAuditStore": "pystator.stores",
        "AsyncBatchStateStore": "pystator.stores",
        "AsyncContextStore": "pystator.stores",
        "AsyncQueryableStateStore": "pystator.stores",
        "AsyncStateStore": "pystator.stores",
        "AsyncTransactionalStateStore": "pystator.stores",
        "AsyncVersionedStateStore": "pystator.stores",
        "AuditStore": "pystator.stores",
        "BatchStateStore": "pystator.stores",
        "CommitResult": "pystator.stores",
        "ContextStore": "pystator.stores",
        "EntityCache": "pystator.stores",
        "EntityPage": "pystator.stores",
        "EntityRecord": "pystator.stores",
        "FullStateStore": "pystator.stores",
        "InMemoryStateStore": "pystator.stores",
        "PlannedAction": "pystator.stores",
        "QueryableStateStore": "pystator.stores",
        "StateStore": "pystator.stores",
        "TransactionalStateStore": "pystator.stores",
        "TransitionCommit": "pystator.stores",
        "TransitionRecord": "pystator.stores",
        "VersionedStateStore": "pystator.stores",
    },
    globals(),
)

__all__ = [
    "ActionExecutionError",
    "ActionExecutor",
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
    "AsyncioScheduler",
    "AuditStore",
    "BatchStateStore",
    "BuiltinRegistries",
    "Clock",
    "CommitResult",
    "ConfigurationError",
    "ContextStore",
    "ContextValidationError",
    "ContextValidatorFn",
    "DestinationCandidate",
    "DestinationCheckResult",
    "EntityCache",
    "EntityNotFoundError",
    "EntitySession",
    "EntityPage",
    "EntityRecord",
    "ErrorCode",
    "Event",
    "EventSink",
    "ExecutionResult",
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
    "LoggingHook",
    "MetricSink",
    "MetricsCollector",
    "Orchestrator",
    "ParallelConfiguration",
    "SnapshotError",
    "PlannedAction",
    "QueryableStateStore",
    "ScheduledTask",
    "Scheduler",
    "SchedulerError",
    "StaleVersionError",
    "StateInfo",
    "StateMachine",
    "StateMachineBuilder",
    "StateStore",
    "StoreError",
    "StructuredLoggingHook",
    "SystemClock",
    "TaskStatus",
    "TerminalStateError",
    "TimerSpec",
    "TransactionalStateStore",
    "TransitionCommit",
    "TransitionHook",
    "TransitionInfo",
    "TransitionObserver",
    "TransitionRecord",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "VersionedStateStore",
    "__version__",
    "builtin_registries",
    "compile_expression",
    "to_dot",
    "to_mermaid",
    "validate_config",
]

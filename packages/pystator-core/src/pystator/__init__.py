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
from pystator.scheduler import Scheduler

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
    from pystator.session import EntitySession, SnapshotError
    from pystator.sinks import EventSink, MetricSink

# Imported on first access (see pystator._lazy): the executor, hooks, sinks, diagrams and sessions.
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
    },
    globals(),
)

__all__ = [
    "ActionExecutionError",
    "ActionExecutor",
    "ActionNotFoundError",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
    "BuiltinRegistries",
    "Clock",
    "ConfigurationError",
    "ContextValidationError",
    "DestinationCandidate",
    "DestinationCheckResult",
    "EntityNotFoundError",
    "EntitySession",
    "ErrorCode",
    "Event",
    "EventSink",
    "ExecutionResult",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FSMError",
    "GuardNotFoundError",
    "GuardRegistry",
    "GuardRejectedError",
    "InvalidStateError",
    "InvalidTransitionError",
    "LoggingHook",
    "MetricSink",
    "MetricsCollector",
    "ParallelConfiguration",
    "Scheduler",
    "SchedulerError",
    "SnapshotError",
    "StaleVersionError",
    "StateInfo",
    "StateMachine",
    "StateMachineBuilder",
    "StoreError",
    "StructuredLoggingHook",
    "SystemClock",
    "TerminalStateError",
    "TimerSpec",
    "TransitionHook",
    "TransitionInfo",
    "TransitionObserver",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "builtin_registries",
    "compile_expression",
    "to_dot",
    "to_mermaid",
    "validate_config",
    "__version__",
]

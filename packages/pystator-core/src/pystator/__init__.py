"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from pystator._version import __version__
from pystator.actions import (
    ActionExecutor,
    ActionRegistry,
    ActionResult,
    ActionStatus,
    BuiltinRegistries,
    ExecutionResult,
    builtin_registries,
)
from pystator.diagrams import to_dot, to_mermaid
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
from pystator.hooks import (
    LoggingHook,
    MetricsCollector,
    StructuredLoggingHook,
    TransitionHook,
    TransitionObserver,
)
from pystator.result import ActionSpec, TimerSpec, TransitionResult
from pystator.sinks import EventSink, MetricSink

__all__ = [
    "ActionExecutionError",
    "ActionExecutor",
    "ActionNotFoundError",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
    "BuiltinRegistries",
    "ConfigurationError",
    "ContextValidationError",
    "EntityNotFoundError",
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
    "StaleVersionError",
    "StoreError",
    "StructuredLoggingHook",
    "TerminalStateError",
    "TimerSpec",
    "TransitionHook",
    "TransitionObserver",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "builtin_registries",
    "to_dot",
    "to_mermaid",
    "__version__",
    "compile_expression",
]

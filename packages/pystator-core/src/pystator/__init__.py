"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from pystator._version import __version__
from pystator.actions import ActionRegistry, ActionResult, ActionStatus
from pystator.builder import StateMachineBuilder
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
from pystator.session import EntitySession, SnapshotError

__all__ = [
    "ActionExecutionError",
    "ActionNotFoundError",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
    "ConfigurationError",
    "ContextValidationError",
    "DestinationCandidate",
    "DestinationCheckResult",
    "EntityNotFoundError",
    "ErrorCode",
    "EntitySession",
    "Event",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FSMError",
    "GuardNotFoundError",
    "GuardRegistry",
    "GuardRejectedError",
    "InvalidStateError",
    "InvalidTransitionError",
    "ParallelConfiguration",
    "SnapshotError",
    "StaleVersionError",
    "StateInfo",
    "StateMachine",
    "StateMachineBuilder",
    "StoreError",
    "TerminalStateError",
    "TimerSpec",
    "TransitionInfo",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "__version__",
    "compile_expression",
]

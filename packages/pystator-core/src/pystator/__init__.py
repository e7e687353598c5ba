"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from pystator._version import __version__
from pystator.actions import ActionRegistry, ActionResult, ActionStatus
from pystator.clock import Clock, SystemClock
from pystator.errors import (
    ActionExecutionError,
    ActionNotFoundError,
    ConfigurationError,
    ContextValidationError,
    EntityNotFoundError,
    ErrorCode,
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
from pystator.guards import GuardRegistry
from pystator.result import ActionSpec, TimerSpec, TransitionResult
from pystator.scheduler import Scheduler

__all__ = [
    "ActionExecutionError",
    "ActionNotFoundError",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
    "Clock",
    "ConfigurationError",
    "ContextValidationError",
    "EntityNotFoundError",
    "ErrorCode",
    "Event",
    "FSMError",
    "GuardNotFoundError",
    "GuardRegistry",
    "GuardRejectedError",
    "InvalidStateError",
    "InvalidTransitionError",
    "Scheduler",
    "SchedulerError",
    "StaleVersionError",
    "StoreError",
    "SystemClock",
    "TerminalStateError",
    "TimerSpec",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "__version__",
]

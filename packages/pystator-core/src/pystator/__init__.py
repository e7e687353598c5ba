"""PyStator: configuration-driven, stateless finite state machines.

Define behaviour in YAML, compute transitions with ``StateMachine.process()``, run guards and actions.
Importing this package is light: nothing optional (web framework, database driver, add-on
distribution) is imported here.
"""

from pystator._version import __version__
from pystator.actions import ActionRegistry, ActionResult, ActionStatus
from pystator.config import validate_config
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

__all__ = [
    "ActionExecutionError",
    "ActionNotFoundError",
    "ActionRegistry",
    "ActionResult",
    "ActionSpec",
    "ActionStatus",
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
    "StaleVersionError",
    "StoreError",
    "TerminalStateError",
    "TimerSpec",
    "TransitionResult",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
    "__version__",
    "validate_config",
]

"""The one error hierarchy of PyStator: every exception is an ``FSMError`` with an ``ErrorCode``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pystator_contracts.codes import ErrorCode

__all__ = [
    "ActionExecutionError",
    "ActionNotFoundError",
    "ConfigurationError",
    "ContextValidationError",
    "EntityNotFoundError",
    "ErrorCode",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FSMError",
    "GuardNotFoundError",
    "GuardRejectedError",
    "InvalidStateError",
    "InvalidTransitionError",
    "SchedulerError",
    "StaleVersionError",
    "StoreError",
    "TerminalStateError",
    "TransitionTimeoutError",
    "UndefinedStateError",
    "UndefinedTriggerError",
]


class FSMError(Exception):
    """Base of every PyStator error.

    ``code`` is an :class:`ErrorCode`; ``context`` is a dict of structured details that callers
    (and the REST API's error body) read without parsing the message.
    """

    default_code: ErrorCode = ErrorCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code: ErrorCode = code if code is not None else self.default_code
        self.context: dict[str, Any] = dict(context or {})

    def _keep(self, **details: Any) -> None:
        """Keep each detail as an attribute and in ``context`` (unless the caller's context has it)."""
        for name, value in details.items():
            setattr(self, name, value)
            self.context.setdefault(name, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value}, message={self.message!r})"


class ConfigurationError(FSMError):
    """The machine configuration is invalid; ``errors`` lists every problem found."""

    default_code = ErrorCode.CONFIG

    def __init__(self, message: str, errors: Sequence[str] | None = None, **kwargs: Any) -> None:
        self.errors: list[str] = list(errors) if errors is not None else [message]
        if errors and message == "":
            message = "invalid machine configuration:\n" + "\n".join(self.errors)
        super().__init__(message, **kwargs)
        self.context.setdefault("errors", list(self.errors))


class ExpressionError(ConfigurationError):
    """A configuration expression (``expr:``, ``compute:``, ``when:``) was refused when compiled.

    ``path`` is where the expression sits in the configuration, ``expression`` its source and
    ``construct`` the offending piece of syntax (empty when the problem is not one construct).
    """

    path: str
    expression: str
    construct: str

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        expression: str = "",
        construct: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self._keep(path=path, expression=expression, construct=construct)


class ExpressionEvaluationError(FSMError):
    """A compiled expression failed while evaluated (bad operand types, division by zero, a budget).

    ``limit`` names the evaluation budget that stopped it (e.g. ``"MAX_INT_BITS"``), or is empty.
    """

    default_code = ErrorCode.VALIDATION_FAILED

    path: str
    expression: str
    limit: str

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        expression: str = "",
        limit: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self._keep(path=path, expression=expression, limit=limit)


class InvalidTransitionError(FSMError):
    """No transition for this trigger from the current state."""

    default_code = ErrorCode.INVALID_TRIGGER

    current_state: str
    trigger: str

    def __init__(self, message: str, *, current_state: str = "", trigger: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(current_state=current_state, trigger=trigger)


class UndefinedTriggerError(InvalidTransitionError):
    """The trigger is not defined anywhere in the machine."""


class InvalidStateError(FSMError):
    """A state name is not valid in this position (e.g. a parallel composite where a leaf is needed)."""

    default_code = ErrorCode.INVALID_STATE

    state: str

    def __init__(self, message: str, *, state: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(state=state)


class UndefinedStateError(InvalidStateError):
    """The state name does not exist in the machine."""

    default_code = ErrorCode.UNDEFINED_STATE


class TerminalStateError(FSMError):
    """An event was sent to an entity resting in a terminal state."""

    default_code = ErrorCode.TERMINAL_STATE

    current_state: str
    trigger: str

    def __init__(self, message: str, *, current_state: str = "", trigger: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(current_state=current_state, trigger=trigger)


class GuardRejectedError(FSMError):
    """A guard returned False; ``guard_name`` names the first one that did."""

    default_code = ErrorCode.GUARD_REJECTED

    guard_name: str
    current_state: str
    trigger: str

    def __init__(
        self,
        message: str,
        *,
        guard_name: str = "",
        current_state: str = "",
        trigger: str = "",
        guards_failed: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self._keep(guard_name=guard_name, current_state=current_state, trigger=trigger)
        self.guards_failed: tuple[str, ...] = tuple(guards_failed) or ((guard_name,) if guard_name else ())
        self.context.setdefault("guards_failed", list(self.guards_failed))


class GuardNotFoundError(FSMError):
    """A guard name is referenced but not registered."""

    default_code = ErrorCode.GUARD_NOT_FOUND

    guard_name: str

    def __init__(self, message: str, *, guard_name: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(guard_name=guard_name)


class ActionNotFoundError(FSMError):
    """An action name is referenced but not registered."""

    default_code = ErrorCode.ACTION_NOT_FOUND

    action_name: str

    def __init__(self, message: str, *, action_name: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(action_name=action_name)


class ActionExecutionError(FSMError):
    """An action raised; the original exception is ``__cause__``."""

    default_code = ErrorCode.ACTION_FAILED

    action_name: str

    def __init__(self, message: str, *, action_name: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(action_name=action_name)


class ContextValidationError(FSMError):
    """The context failed validation; ``context["validation_errors"]`` lists every problem."""

    default_code = ErrorCode.VALIDATION_FAILED

    def __init__(self, message: str, *, validation_errors: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.validation_errors: list[str] = list(validation_errors)
        self.context.setdefault("validation_errors", list(self.validation_errors))


class TransitionTimeoutError(FSMError):
    """A guard, an action or a state timed out."""

    default_code = ErrorCode.TIMEOUT


class StaleVersionError(FSMError):
    """Optimistic locking conflict: the entity changed since it was read."""

    default_code = ErrorCode.STALE_VERSION

    entity_id: str
    expected_version: int | None
    actual_version: int | None

    def __init__(
        self,
        message: str,
        *,
        entity_id: str = "",
        expected_version: int | None = None,
        actual_version: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self._keep(entity_id=entity_id, expected_version=expected_version, actual_version=actual_version)


class EntityNotFoundError(FSMError):
    """No stored state for this entity (and the caller asked not to start it at the initial state)."""

    default_code = ErrorCode.ENTITY_NOT_FOUND

    entity_id: str

    def __init__(self, message: str, *, entity_id: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self._keep(entity_id=entity_id)


class StoreError(FSMError):
    """A store could not read or write (corrupted row, lost connection, ...); nothing was written."""

    default_code = ErrorCode.STORE_ERROR


class SchedulerError(FSMError):
    """A scheduler cannot do what was asked (it is closed, or its backend failed); nothing changed."""

    default_code = ErrorCode.INTERNAL

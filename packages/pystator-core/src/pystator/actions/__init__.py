"""Actions: side effects planned by ``process()`` and run after the new state is persisted.

``ActionExecutor`` runs a ``TransitionResult``'s planned actions: registered callables, built-ins,
declarative effects, ``http`` calls, gated inline ``code:`` and ``branch`` entries. Everything but
the registry and the result types is imported on first access, to keep ``import pystator`` light.
"""

from typing import TYPE_CHECKING

from pystator._lazy import lazy_module_attributes
from pystator.actions.registry import ActionFn, ActionRegistry
from pystator.actions.result import ActionResult, ActionStatus

if TYPE_CHECKING:
    from pystator.actions.builtins import BUILTIN_ACTIONS, BuiltinRegistries, builtin_registries
    from pystator.actions.code import CODE_ACTIONS_ENV, CodeActionError, CodeActionsDisabledError
    from pystator.actions.execution import ExecutionResult
    from pystator.actions.executor import PHASES, ActionExecutor
    from pystator.actions.http import HttpActionError, HttpActionsDisabledError, HttpResponse
    from pystator.actions.specs import action_spec_from_entry, action_specs_from_entries

__all__ = [
    "BUILTIN_ACTIONS",
    "CODE_ACTIONS_ENV",
    "PHASES",
    "ActionExecutor",
    "ActionFn",
    "ActionRegistry",
    "ActionResult",
    "ActionStatus",
    "BuiltinRegistries",
    "CodeActionError",
    "CodeActionsDisabledError",
    "ExecutionResult",
    "HttpActionError",
    "HttpActionsDisabledError",
    "HttpResponse",
    "action_spec_from_entry",
    "action_specs_from_entries",
    "builtin_registries",
]

__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {
        "BUILTIN_ACTIONS": "pystator.actions.builtins",
        "BuiltinRegistries": "pystator.actions.builtins",
        "builtin_registries": "pystator.actions.builtins",
        "CODE_ACTIONS_ENV": "pystator.actions.code",
        "CodeActionError": "pystator.actions.code",
        "CodeActionsDisabledError": "pystator.actions.code",
        "ExecutionResult": "pystator.actions.execution",
        "PHASES": "pystator.actions.executor",
        "ActionExecutor": "pystator.actions.executor",
        "HttpActionError": "pystator.actions.http",
        "HttpActionsDisabledError": "pystator.actions.http",
        "HttpResponse": "pystator.actions.http",
        "action_spec_from_entry": "pystator.actions.specs",
        "action_specs_from_entries": "pystator.actions.specs",
    },
    globals(),
)

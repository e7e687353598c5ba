"""Actions: side effects planned by ``process()`` and run after the new state is persisted.

``ActionExecutor`` runs a ``TransitionResult``'s planned actions: registered callables, built-ins,
declarative effects, ``http`` calls, gated inline ``code:`` and ``branch`` entries.
"""

from pystator.actions.builtins import BUILTIN_ACTIONS, BuiltinRegistries, builtin_registries
from pystator.actions.code import CODE_ACTIONS_ENV, CodeActionError, CodeActionsDisabledError
from pystator.actions.execution import ExecutionResult
from pystator.actions.executor import PHASES, ActionExecutor
from pystator.actions.http import HttpActionError, HttpResponse
from pystator.actions.registry import ActionFn, ActionRegistry
from pystator.actions.result import ActionResult, ActionStatus
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
    "HttpResponse",
    "action_spec_from_entry",
    "action_specs_from_entries",
    "builtin_registries",
]

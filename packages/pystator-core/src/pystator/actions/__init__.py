"""Actions: side effects planned by ``process()`` and run after the new state is persisted."""

from pystator.actions.registry import ActionFn, ActionRegistry
from pystator.actions.result import ActionResult, ActionStatus

__all__ = ["ActionFn", "ActionRegistry", "ActionResult", "ActionStatus"]

"""``branch`` actions: ``{branch: {when, then: [...], else: [...]}}`` choose nested entries at run time.

The chosen arm's entries are planned with the same mapping the engine uses
(``action_specs_from_entries``), inheriting the branch's phase and state. Nesting is bounded by the
executor's ``max_branch_depth`` (default ``MAX_BRANCH_DEPTH``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pystator.actions.options import compiled_condition
from pystator.actions.specs import action_specs_from_entries

if TYPE_CHECKING:
    from pystator.result import ActionSpec

__all__ = ["MAX_BRANCH_DEPTH", "choose_branch"]

MAX_BRANCH_DEPTH = 8


def choose_branch(
    spec: ActionSpec, definition: Any, context: Mapping[str, Any]
) -> tuple[str, list[ActionSpec]]:
    """Evaluate the branch condition: ``("then" | "else", the specs of that arm)``."""
    branch = definition.branch
    taken = bool(compiled_condition(branch.when)(context))
    entries = branch.then if taken else branch.else_
    return ("then" if taken else "else"), list(
        action_specs_from_entries(entries, phase=spec.phase, state=spec.state)
    )

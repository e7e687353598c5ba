"""The per-call records of the kernel: ``Call`` (inputs and what the result depended on) and
``Trace`` (the steps behind a result, for per-region reporting)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pystator.engine.nodes import Candidate, Node
from pystator.engine.results import failure
from pystator.engine.selection import Selection

if TYPE_CHECKING:
    from pystator.engine.microstep import Step
    from pystator.result import TransitionResult

__all__ = ["Call", "Trace"]


class Trace:
    """Filled by the kernel when passed: the steps behind the result (for per-region results)."""

    __slots__ = ("completed", "start_atoms", "steps")

    def __init__(self) -> None:
        self.start_atoms: tuple[Node, ...] = ()
        self.steps: list[Step] = []
        self.completed: list[str] = []


class Call(Selection):
    """One ``process`` call: its inputs, and what its result turned out to depend on."""

    __slots__ = ("atoms", "ctx", "leaf", "name", "state", "trace")

    def __init__(
        self,
        state: str,
        name: str,
        atoms: tuple[Node, ...],
        *,
        leaf: Node | None,
        ctx: Mapping[str, Any],
        trace: Trace | None,
    ) -> None:
        # Selection's fields, set here directly: this runs on every guarded call.
        self.candidates: list[Candidate] = []
        self.rejected: list[str] | None = None
        self.evaluated = False
        self.history_read = False
        self.state = state
        self.name = name
        self.atoms = atoms
        self.leaf = leaf  # the single atom, when the stored state is exactly that leaf's name
        self.ctx = ctx
        self.trace = trace

    def fail(self, reason: str, error: Any, **extra: Any) -> TransitionResult:
        return failure(self.state, self.name, reason, error, **extra)

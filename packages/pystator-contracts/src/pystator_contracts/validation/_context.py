"""What every semantic rule works with: the normalized config, its graph, origins and the error list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pystator_contracts._render import did_you_mean, join_path
from pystator_contracts.graph import MachineGraph
from pystator_contracts.machine import MachineConfig
from pystator_contracts.normalize import Origins

__all__ = ["ExpressionChecker", "RuleContext"]

ExpressionChecker = Callable[[str, str], "str | None"]
"""``(source, path) -> problem or None``: how expressions are checked (syntax only by default)."""


@dataclass
class RuleContext:
    config: MachineConfig
    graph: MachineGraph
    origins: Origins
    submachine_hosts: frozenset[str] = frozenset()
    expression_checker: ExpressionChecker | None = None
    errors: list[str] = field(default_factory=list)
    # Indexes of the transitions with guards or actions, once ``check_transitions`` has found them.
    logic_transitions: list[int] | None = None

    def state_path(self, index: int, *parts: str | int) -> str:
        return join_path(self.origins.states[index], *parts)

    def transition_path(self, index: int, *parts: str | int) -> str:
        return join_path(self.origins.transitions[index], *parts)

    def state_path_of(self, name: str, *parts: str | int) -> str:
        return self.state_path(self.graph.index[name], *parts)

    def add(self, path: str, message: str) -> None:
        line = f"{path}: {message}"
        if line not in self.errors:
            self.errors.append(line)

    def unknown_state(self, path: str, name: str) -> None:
        self.add(path, f"unknown state {name!r}{did_you_mean(name, self.graph.states)}")

    def known(self, name: str, path: str) -> bool:
        """True when ``name`` is a state; otherwise reports it at ``path``."""
        if name in self.graph.states:
            return True
        self.unknown_state(path, name)
        return False

"""Read-only views of states and transitions returned by the ``StateMachine`` queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["StateInfo", "TransitionInfo"]


@dataclass(frozen=True, slots=True)
class StateInfo:
    """One state of the machine.

    ``name`` is the state's own name; ``configuration`` is what to store as the current state when
    the machine rests here (the name itself for a leaf; the parallel state's stored form, such as
    ``"trading[orders=idle,risk=normal]"``, for a parallel state).
    """

    name: str
    type: str
    parent: str | None
    children: tuple[str, ...]
    description: str = ""
    group: str | None = None
    initial_child: str | None = None
    regions: tuple[str, ...] = ()
    is_leaf: bool = True
    configuration: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    definition: Any = None

    @property
    def is_terminal(self) -> bool:
        return self.type == "terminal"

    @property
    def is_initial(self) -> bool:
        return self.type == "initial"

    @property
    def is_parallel(self) -> bool:
        return self.type == "parallel"


@dataclass(frozen=True, slots=True)
class TransitionInfo:
    """One transition definition as resolved by the engine.

    ``trigger`` is None for an ``after``-only or eventless (``auto``) transition; ``dest`` is the
    destination as written (a state, ``H(parent)``, ``H*(parent)``, ``parent:entry``) or None for a
    targetless transition; ``source`` holds the resolved source state names (``"*"`` expanded).
    """

    trigger: str | None
    source: frozenset[str]
    dest: str | None
    guards: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    after_ms: int | None = None
    auto: bool = False
    internal: bool = False
    region: str | None = None
    description: str = ""
    index: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    definition: Any = None

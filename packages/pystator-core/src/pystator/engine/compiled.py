"""``CompiledMachine``: everything ``process()`` needs, computed once from a ``MachineConfig``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pystator.engine.guards import GuardBinding
from pystator.engine.nodes import CompiledTransition, Node

__all__ = ["CompiledMachine"]


class CompiledMachine:
    """Immutable after compilation (apart from memo tables inside nodes and candidates).

    ``states``: every state node by name; ``regions``: region nodes by name; ``roots``: top-level
    states; ``initial``: the top-level initial state; ``triggers``: every trigger a candidate table
    knows (user triggers after normalisation, plus timer triggers); ``history_parents``: states that
    some ``H()`` / ``H*()`` target refers to; ``joins``: parallel states whose regions all name a
    ``final`` state.
    """

    __slots__ = (
        "binding",
        "has_auto",
        "has_choices",
        "history_parents",
        "initial",
        "joins",
        "normalizer",
        "regions",
        "reject_invalid_events",
        "roots",
        "states",
        "transitions",
        "triggers",
        "user_triggers",
        "validator",
    )

    def __init__(
        self,
        *,
        states: dict[str, Node],
        regions: dict[str, Node],
        roots: tuple[Node, ...],
        initial: Node,
        transitions: tuple[CompiledTransition, ...],
        triggers: frozenset[str],
        user_triggers: tuple[str, ...],
        history_parents: frozenset[Node],
        joins: tuple[Node, ...],
        normalizer: Callable[[str], str] | None,
        reject_invalid_events: bool,
        validator: Callable[[Mapping[str, Any]], list[str]] | None,
        binding: GuardBinding,
        has_auto: bool,
        has_choices: bool,
    ) -> None:
        self.states = states
        self.regions = regions
        self.roots = roots
        self.initial = initial
        self.transitions = transitions
        self.triggers = triggers
        self.user_triggers = user_triggers
        self.history_parents = history_parents
        self.joins = joins
        self.normalizer = normalizer
        self.reject_invalid_events = reject_invalid_events
        self.validator = validator
        self.binding = binding
        self.has_auto = has_auto  # some state has an eventless (``auto``) transition
        self.has_choices = has_choices  # some state is a choice state

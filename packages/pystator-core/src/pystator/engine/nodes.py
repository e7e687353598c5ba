"""The compiled machine's building blocks: one tree of state and region nodes, transitions, candidates.

Regions of a parallel state are nodes of the tree too (between the parallel state and its members),
so that the least-common-compound-ancestor rule of SCXML applies unchanged: a transition between two
states of one region has that region as its domain and never leaves the parallel state.

Everything here is built once by ``compiler.py`` and only read afterwards; the few ``cache`` fields are
memo tables filled on first use (a pure function's results, so sharing them is safe). A state's
candidate table may be a ``PendingTable`` until first read (see ``tables.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pystator.engine.guards import Guard
    from pystator.result import ActionSpec, TimerSpec, TransitionResult

__all__ = ["Candidate", "CompiledTransition", "Node", "PendingTable"]


class Node:
    """A state (``is_region`` False) or a region of a parallel state (``is_region`` True)."""

    __slots__ = (
        "ancestor_set",
        "ancestors",
        "auto",
        "branches",
        "children",
        "default",
        "definition",
        "depth",
        "final",
        "initial",
        "is_choice",
        "is_compound",
        "is_leaf",
        "is_parallel",
        "is_region",
        "is_terminal",
        "name",
        "on_enter",
        "on_exit",
        "order",
        "outgoing",
        "parent",
        "regions",
        "static_results",
        "table",
        "timers",
        "type",
    )

    def __init__(self, name: str, type_: str, definition: Any = None, is_region: bool = False) -> None:
        self.name = name
        self.type = type_
        self.is_region = is_region
        self.definition = definition
        self.parent: Node | None = None
        self.children: tuple[Node, ...] = ()
        self.regions: tuple[Node, ...] = ()
        self.initial: Node | None = None
        self.final: Node | None = None
        self.order = 0
        self.depth = 0
        self.ancestors: tuple[Node, ...] = ()  # proper ancestors, innermost first (regions included)
        self.ancestor_set: frozenset[Node] = _NO_NODES
        self.on_enter: tuple[ActionSpec, ...] = ()
        self.on_exit: tuple[ActionSpec, ...] = ()
        self.timers: tuple[TimerSpec, ...] = ()
        self.outgoing: list[CompiledTransition] | None = None  # the transitions leaving it, in order
        # Candidates by trigger, eventless candidates (own first, then inherited), and a choice
        # state's outgoing candidates; filled by ``tables.build_tables``.
        self.table: Mapping[str, tuple[Candidate, ...]] = {} if is_region else PendingTable(self)
        self.auto: tuple[Candidate, ...] = ()
        self.branches: tuple[Candidate, ...] = ()
        self.static_results: dict[str, TransitionResult] = {}
        self.default: tuple[Node, ...] = (self,)  # the atoms this state rests in when entered by default
        self.is_parallel = type_ == "parallel"
        self.is_terminal = type_ == "terminal"
        self.is_choice = type_ == "choice"
        self.is_compound = False
        self.is_leaf = True

    def is_descendant_of(self, other: Node | None) -> bool:
        """Proper descendant; every node descends from the virtual root ``None``."""
        return other is None or other in self.ancestor_set

    def __repr__(self) -> str:
        kind = "Region" if self.is_region else "State"
        return f"<{kind} {self.name}>"


_NO_NODES: frozenset[Node] = frozenset()


class PendingTable(Mapping[str, "tuple[Candidate, ...]"]):
    """A state's candidate table before its first use.

    The first read builds the state's tables (``tables.build_tables``), which replace this
    placeholder on the node, and answers from them; later reads find the plain dict.
    """

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node

    def built(self) -> Mapping[str, tuple[Candidate, ...]]:
        from pystator.engine.tables import build_tables

        build_tables(self.node)
        return self.node.table

    def __getitem__(self, key: str) -> tuple[Candidate, ...]:
        return self.built()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.built()

    def __iter__(self) -> Iterator[str]:
        return iter(self.built())

    def __len__(self) -> int:
        return len(self.built())


class CompiledTransition:
    """One transition definition, resolved against the node tree, with its guards compiled."""

    __slots__ = (
        "actions",
        "after_ms",
        "auto",
        "deep",
        "definition",
        "guards",
        "history",
        "index",
        "info",
        "internal",
        "pure",
        "region",
        "sources",
        "target",
        "timer_triggers",
        "trigger",
    )

    def __init__(
        self,
        index: int,
        definition: Any = None,
        trigger: str | None = None,
        sources: tuple[Node, ...] = (),
        target: Node | None = None,
        *,
        after_ms: int | None = None,
        auto: bool = False,
        internal: bool = False,
    ) -> None:
        self.index = index
        self.definition = definition  # the TransitionDef; None for a state's timeout
        self.trigger = trigger
        self.sources = sources
        self.target = target  # None: a targetless transition (stays where it is)
        self.after_ms = after_ms
        self.auto = auto
        self.internal = internal
        self.history: Node | None = None  # the parent of an H()/H*() target
        self.deep = False
        self.guards: tuple[Guard, ...] = ()
        self.pure = True  # every guard is decided by configuration alone (see Guard.pure)
        self.actions: tuple[ActionSpec, ...] = ()
        self.region: Node | None = None
        self.timer_triggers: tuple[str, ...] = ()
        self.info: Any = None  # the public TransitionInfo, built on first use (queries.transition_info)

    @property
    def label(self) -> str:
        """A short description for messages: ``trigger: sources -> dest``."""
        definition = self.definition
        if definition is None:
            target = self.target.name if self.target is not None else ""
            return f"timeout: {','.join(s.name for s in self.sources)} -> {target}"
        cause = self.trigger or (f"after {self.after_ms}ms" if self.after_ms else "auto")
        return f"{cause}: {','.join(s.name for s in self.sources)} -> {definition.dest}"

    @property
    def targetless(self) -> bool:
        return self.target is None and self.history is None

    def __repr__(self) -> str:
        return f"<Transition #{self.index} {self.label}>"


class Candidate:
    """A transition as seen from one of its source states.

    ``domain`` is the node whose proper descendants the transition exits and enters (None: the whole
    machine). ``results`` memoises, per active leaf, the result of taking this candidate when the
    outcome depends on nothing else (no history, no further eventless step).
    """

    __slots__ = ("domain", "results", "source", "stays", "steps", "transition")

    def __init__(
        self, transition: CompiledTransition, source: Node, domain: Node | None, stays: bool
    ) -> None:
        self.transition = transition
        self.source = source
        self.domain = domain
        self.stays = stays  # targetless, or internal back to its own source: nothing exits or enters
        self.results: dict[Node, TransitionResult] = {}
        self.steps: dict[Node, Any] = {}

    @property
    def guards(self) -> tuple[Guard, ...]:
        return self.transition.guards

    def __repr__(self) -> str:
        return f"<Candidate #{self.transition.index} from {self.source.name}>"

"""Lookups over a machine configuration: states by name, the hierarchy, regions, source and dest forms.

Built once from a ``MachineConfig`` and tolerant of broken input (unknown names are skipped, parent
cycles cut), so that validation can use it while it is still looking for those problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pystator_contracts.machine import MachineConfig, Region, StateDef, TransitionDef

__all__ = ["HISTORY_DEST", "DestRef", "MachineGraph", "parse_dest"]

HISTORY_DEST = re.compile(r"^H(\*?)\(([a-z0-9_]+)\)$")


@dataclass(frozen=True)
class DestRef:
    """A parsed ``dest``: the state entered, and how (plain, through an entry point, or history)."""

    state: str
    via: str | None = None  # "parent" of "parent:entry"
    history: str | None = None  # "shallow" | "deep"


def parse_dest(dest: str) -> DestRef:
    match = HISTORY_DEST.match(dest)
    if match:
        return DestRef(state=match.group(2), history="deep" if match.group(1) else "shallow")
    if ":" in dest:
        via, child = dest.split(":", 1)
        return DestRef(state=child, via=via)
    return DestRef(state=dest)


class MachineGraph:
    """Indexes of one configuration (first definition wins where names repeat)."""

    def __init__(self, config: MachineConfig) -> None:
        self.config = config
        self.states: dict[str, StateDef] = {}
        self.index: dict[str, int] = {}
        self.type_of: dict[str, str] = {}
        # Indexes of the states that carry any structure (see ``notable``), in definition order.
        structured: list[int] = []
        parented: list[tuple[str, str]] = []
        self.regions: dict[str, tuple[str, Region]] = {}
        self.region_of_member: dict[str, str] = {}
        self.logic_states: list[int] = []
        """Indexes of the states with enter or exit actions or ``when`` checks (what
        ``references.iter_references`` reads), in definition order."""
        for i, state in enumerate(config.states):
            # One read of the fields: each attribute read of a pydantic model is comparatively slow.
            fields = state.__dict__
            name, type_, parent = fields["name"], fields["type"], fields["parent"]
            if fields["on_enter"] or fields["on_exit"] or fields["when"]:
                self.logic_states.append(i)
            if name in self.states:
                structured.append(i)  # a duplicate name
                continue
            self.states[name] = state
            self.index[name] = i
            self.type_of[name] = type_
            if parent is not None:
                parented.append((name, parent))
            if fields["regions"] is not None:
                for region in fields["regions"]:
                    self.regions.setdefault(region.name, (name, region))
                    for member in region.states:
                        self.region_of_member.setdefault(member, region.name)
            if (
                parent is not None
                or type_ not in ("stable", "error")
                or fields["initial_child"] is not None
                or fields["regions"] is not None
                or fields["entry_points"]
                or fields["exit_points"]
                or fields["timeout"] is not None
                or fields["group"] is not None
            ):
                structured.append(i)
        self.children: dict[str, list[str]] = {}
        for name, parent in parented:
            if parent in self.states and parent != name:
                siblings = self.children.get(parent)
                if siblings is None:
                    self.children[parent] = [name]
                    structured.append(self.index[parent])
                else:
                    siblings.append(name)
        self.notable: list[int] = sorted(set(structured))
        """Indexes of the states with a duplicate name, a parent, children, a type other than
        stable or error, regions, entry or exit points, a timeout or a group: a state that is
        only a name cannot break a rule about states, so the rules look at these alone."""

    # ------------------------------------------------------------------ hierarchy

    def parent_of(self, name: str) -> str | None:
        state = self.states.get(name)
        if state is None or state.parent is None or state.parent not in self.states:
            return None
        return state.parent

    def ancestors(self, name: str) -> list[str]:
        """Parents of ``name``, nearest first (stops at a cycle or an unknown parent)."""
        seen = {name}
        chain: list[str] = []
        current = self.parent_of(name)
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self.parent_of(current)
        return chain

    def parent_cycle(self, name: str) -> list[str] | None:
        """The parent chain from ``name`` back to itself, when ``name`` lies on a cycle."""
        chain = [name]
        current = self.parent_of(name)
        while current is not None:
            if current == name:
                return [*chain, name]
            if current in chain:
                return None
            chain.append(current)
            current = self.parent_of(current)
        return None

    def descendants(self, name: str) -> list[str]:
        found: list[str] = []
        stack = list(reversed(self.children.get(name, [])))
        while stack:
            child = stack.pop()
            if child in found or child == name:
                continue
            found.append(child)
            stack.extend(reversed(self.children.get(child, [])))
        return found

    def is_compound(self, name: str) -> bool:
        return bool(self.children.get(name))

    def is_within(self, name: str, ancestor: str) -> bool:
        """``name`` is ``ancestor`` or one of its descendants."""
        return name == ancestor or ancestor in self.ancestors(name)

    def top_level(self) -> Iterator[StateDef]:
        return (s for s in self.states.values() if s.parent is None)

    def initial_state(self) -> str | None:
        for state in self.top_level():
            if state.type == "initial":
                return state.name
        return None

    def is_terminal(self, name: str) -> bool:
        state = self.states.get(name)
        return state is not None and state.type == "terminal"

    # ------------------------------------------------------------------ regions

    def region_containing(self, name: str) -> str | None:
        """The innermost region whose member is ``name`` or one of its ancestors."""
        for candidate in [name, *self.ancestors(name)]:
            region = self.region_of_member.get(candidate)
            if region is not None:
                return region
        return None

    def in_region(self, name: str, region: str) -> bool:
        entry = self.regions.get(region)
        if entry is None:
            return False
        members = set(entry[1].states)
        return any(candidate in members for candidate in [name, *self.ancestors(name)])

    # ------------------------------------------------------------------ transitions

    def source_states(self, transition: TransitionDef) -> list[str]:
        """The states a transition leaves from: ``"*"`` is every state that is neither terminal nor
        a choice (a choice is left at once), ``"parent:exit"`` is the child ``exit``."""
        names: list[str] = []
        for source in transition.sources:
            if source == "*":
                names.extend(n for n, s in self.states.items() if s.type not in ("terminal", "choice"))
            else:
                names.append(source.split(":", 1)[1] if ":" in source else source)
        return list(dict.fromkeys(names))

    def outgoing(self, name: str) -> list[TransitionDef]:
        """Transitions that can fire while ``name`` is active: its own and its ancestors'."""
        scope = {name, *self.ancestors(name)}
        return [t for t in self.config.transitions if scope.intersection(self.source_states(t))]

    def entered(self, dest: str) -> list[str]:
        """The states entered by ``dest``, down to the initial leaves (every region of a parallel state)."""
        ref = parse_dest(dest)
        if ref.state not in self.states:
            return []
        found: list[str] = []
        stack = [ref.state]
        while stack:
            name = stack.pop()
            if name in found or name not in self.states:
                continue
            found.append(name)
            stack.extend(self.initial_children(name))
        return found

    def initial_children(self, name: str) -> list[str]:
        """What entering ``name`` enters next: its ``initial_child``, or each region's ``initial``."""
        state = self.states[name]
        if state.type == "parallel":
            return [r.initial for r in state.regions or ()]
        if state.initial_child is not None and self.is_compound(name):
            return [state.initial_child]
        return []

"""The stored string form of configurations, and ``ParallelConfiguration``.

A configuration inside a parallel state is stored as one string::

    state[region=value,region=value,...]

with the regions in definition order, where each ``value`` is the leaf state active in that region,
or, when that region itself rests in a nested parallel state, that state's own stored form::

    trading[orders=working,risk=monitor[limits=ok,exposure=normal]]

Outside any parallel state the stored form is simply the leaf's name. State and region names never
contain ``[``, ``]``, ``=`` or ``,``, so the form is unambiguous; ``format`` and ``parse`` round-trip.
Parsing accepts the regions in any order and a non-leaf value (entered by default), and rejects a
missing, repeated or foreign region with an ``InvalidStateError`` that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from pystator.engine.nodes import Node
from pystator.errors import InvalidStateError, UndefinedStateError

__all__ = ["ParallelConfiguration", "format_atoms", "parse_configuration"]


def format_atoms(atoms: tuple[Node, ...]) -> str:
    """The stored form of the configuration whose deepest active states are ``atoms``."""
    if len(atoms) == 1:
        return atoms[0].name
    return _format_parallel(_common_parallel(atoms), atoms)


def _format_parallel(parallel: Node, atoms: tuple[Node, ...]) -> str:
    parts = []
    for region in parallel.regions:
        inside = tuple(a for a in atoms if region in a.ancestor_set)
        parts.append(f"{region.name}={_format_group(inside)}")
    return f"{parallel.name}[{','.join(parts)}]"


def _format_group(atoms: tuple[Node, ...]) -> str:
    if len(atoms) == 1:
        return atoms[0].name
    if not atoms:
        raise InvalidStateError("a region of the configuration has no active state")
    return _format_parallel(_common_parallel(atoms), atoms)


def _common_parallel(atoms: tuple[Node, ...]) -> Node:
    first, rest = atoms[0], atoms[1:]
    for ancestor in first.ancestors:
        if ancestor.is_parallel and all(ancestor in a.ancestor_set for a in rest):
            return ancestor
    raise InvalidStateError(
        f"states {', '.join(a.name for a in atoms)} are not the regions of one parallel state"
    )


def parse_configuration(text: str, states: Mapping[str, Node]) -> tuple[Node, ...]:
    """The atoms of a stored configuration (a state name or a parallel stored form)."""
    parser = _Parser(text, states)
    atoms = parser.configuration()
    if parser.index != len(parser.tokens):
        parser.fail(f"unexpected {parser.tokens[parser.index]!r}")
    return atoms


_TOKENS = re.compile(r"[^\[\]=,]+|[\[\]=,]")


class _Parser:
    """Recursive descent over the tokens of a stored form: names and the four punctuation marks."""

    def __init__(self, text: str, states: Mapping[str, Node]) -> None:
        self.text = text
        self.states = states
        self.tokens: list[str] = _TOKENS.findall(text)
        self.index = 0

    def fail(self, problem: str) -> NoReturn:
        position = sum(len(token) for token in self.tokens[: self.index])
        raise InvalidStateError(
            f"invalid state {self.text!r}: {problem} at position {position} "
            "(expected a state name or state[region=value,...])",
            state=self.text,
        )

    def peek(self) -> str:
        return self.tokens[self.index] if self.index < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        self.index += 1
        return token

    def name(self) -> str:
        token = self.take()
        if not token or token in "[]=,":
            self.index -= 1
            self.fail("expected a name")
        return token

    def expect(self, char: str) -> None:
        if self.take() != char:
            self.index -= 1
            self.fail(f"expected {char!r}")

    def configuration(self) -> tuple[Node, ...]:
        name = self.name()
        node = self.states.get(name)
        if node is None:
            raise UndefinedStateError(f"state {name!r} is not defined in this machine", state=name)
        if self.peek() == "[":
            return self.parallel(node)
        return node.default

    def parallel(self, node: Node) -> tuple[Node, ...]:
        if not node.is_parallel:
            self.fail(f"{node.name!r} is not a parallel state")
        self.expect("[")
        regions = {r.name: r for r in node.regions}
        seen: dict[str, tuple[Node, ...]] = {}
        while True:
            region_name = self.name()
            region = regions.get(region_name)
            if region is None:
                self.fail(f"{region_name!r} is not a region of {node.name!r} (regions: {', '.join(regions)})")
            if region_name in seen:
                self.fail(f"region {region_name!r} given twice")
            self.expect("=")
            atoms = self.configuration()
            if any(region not in atom.ancestor_set for atom in atoms):
                self.fail(f"the value of region {region_name!r} is not a state of that region")
            seen[region_name] = atoms
            if self.peek() != ",":
                break
            self.index += 1
        self.expect("]")
        missing = [name for name in regions if name not in seen]
        if missing:
            self.fail(f"missing region(s) {', '.join(missing)} of {node.name!r}")
        return tuple(atom for region in node.regions for atom in seen[region.name])


@dataclass(frozen=True, slots=True)
class ParallelConfiguration:
    """A configuration as returned by ``enter_parallel_state`` / ``process_parallel``.

    ``value`` is the stored form (also ``str(config)``); ``state`` the outermost parallel state (or
    the leaf, once a transition has left the parallel state); ``regions`` maps each region of
    ``state`` to its stored value; ``active_states`` lists the leaves active in every region.
    """

    value: str
    state: str
    regions: Mapping[str, str] = field(default_factory=dict)
    active_states: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.value

    @property
    def is_parallel(self) -> bool:
        return bool(self.regions)

    @classmethod
    def from_atoms(cls, atoms: tuple[Node, ...]) -> ParallelConfiguration:
        value = format_atoms(atoms)
        if len(atoms) == 1 and not any(a.is_parallel for a in atoms[0].ancestors):
            return cls(value=value, state=atoms[0].name, active_states=(atoms[0].name,))
        top = _common_parallel(atoms) if len(atoms) > 1 else _outer_parallel(atoms[0])
        regions = {
            region.name: _format_group(tuple(a for a in atoms if region in a.ancestor_set))
            for region in top.regions
        }
        return cls(value=value, state=top.name, regions=regions, active_states=tuple(a.name for a in atoms))


def _outer_parallel(atom: Node) -> Node:
    return next(a for a in reversed(atom.ancestors) if a.is_parallel)

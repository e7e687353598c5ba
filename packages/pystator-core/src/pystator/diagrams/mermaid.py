"""``to_mermaid(machine)``: a Mermaid ``stateDiagram-v2`` of the machine.

Compound states are nested composites, a parallel state holds one composite per region separated
by ``--`` (Mermaid's concurrency divider, drawn side by side), edges carry the trigger (or
``after 5s`` / ``(auto)`` / ``timeout``) and the guards in brackets. Every state is declared as
``state "name" as s_name`` so that a state called ``note`` or ``state`` cannot collide with
Mermaid's keywords.
"""

from __future__ import annotations

from typing import Any, Literal

from pystator.diagrams.graph import TOP, WILDCARD, Block, MachineGraph, build_graph

__all__ = ["to_mermaid"]

# Mermaid reads "#<code>;" as an entity inside labels; these characters would end or confuse one.
_ENTITIES = {
    "#": "#35;",
    ":": "#58;",
    ";": "#59;",
    "{": "#123;",
    "}": "#125;",
    "<": "#lt;",
    ">": "#gt;",
    '"': "#quot;",
    "[": "#91;",
    "]": "#93;",
    "-": "#45;",
}
_STATE_CLASSES = {"terminal": "terminal", "error": "error", "choice": "choice"}


def _label(text: str) -> str:
    return "".join(_ENTITIES.get(ch, ch) for ch in text.replace("\n", " "))


def _quoted(text: str) -> str:
    return text.replace('"', "'")


def _node_id(graph: MachineGraph, node: str) -> str:
    if node in graph.states:
        return f"s_{node}"
    if node == WILDCARD:
        return "any_state"
    deep = node.startswith("H*")
    return f"{'hd' if deep else 'h'}_{node[node.index('(') + 1 : -1]}"


class _Writer:
    def __init__(self, graph: MachineGraph) -> None:
        self.graph = graph
        self.lines: list[str] = []

    def out(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def block_body(self, block: Block, depth: int) -> None:
        if block.initial is not None:
            self.out(depth, f"[*] --> s_{block.initial}")
        for node, label in block.pseudo:
            self.out(depth, f'state "{_quoted(label)}" as {_node_id(self.graph, node)}')
        regions = [self.graph.blocks[m] for m in block.members if m in self.graph.blocks]
        for name in block.members:
            if name in self.graph.states:
                self.state(name, depth)
        for index, region in enumerate(regions):
            if index:
                self.out(depth, "--")
            self.out(depth, f'state "{_quoted(region.label)} (region)" as r_{region.label} {{')
            self.block_body(region, depth + 1)
            self.out(depth, "}")
        for edge in block.edges:
            text = f"{_node_id(self.graph, edge.source)} --> {_node_id(self.graph, edge.target)}"
            self.out(depth, f"{text} : {_label(edge.label)}" if edge.label else text)

    def state(self, name: str, depth: int) -> None:
        nested = self.graph.block_of_state(name)
        if nested is None:
            self.out(depth, f'state "{name}" as s_{name}')
        else:
            self.out(depth, f'state "{name}" as s_{name} {{')
            self.block_body(nested, depth + 1)
            self.out(depth, "}")
        if self.graph.states[name].type in ("terminal",):
            self.out(depth, f"s_{name} --> [*]")


def to_mermaid(machine: Any, *, direction: Literal["TB", "LR"] | None = None) -> str:
    """Mermaid source for a ``MachineConfig`` or a machine exposing one as ``.config``."""
    graph = build_graph(machine)
    writer = _Writer(graph)
    writer.out(0, "stateDiagram-v2")
    if direction is not None:
        writer.out(1, f"direction {direction}")
    writer.block_body(graph.blocks[TOP], 1)
    styled = {kind: [n for n, s in graph.states.items() if s.type == kind] for kind in _STATE_CLASSES}
    if any(styled.values()):
        writer.out(1, "classDef terminal stroke-width:3px")
        writer.out(1, "classDef error stroke:#c00,color:#c00")
        writer.out(1, "classDef choice stroke-dasharray:4 2")
        for kind, names in styled.items():
            if names:
                writer.out(1, f"class {','.join('s_' + n for n in names)} {_STATE_CLASSES[kind]}")
    return "\n".join(writer.lines) + "\n"

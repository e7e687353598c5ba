"""``to_dot(machine)``: Graphviz DOT source of the machine.

Compound states are clusters (an edge to one ends at the cluster's border, via its start point and
``lhead``), a parallel state is a bold cluster holding one dashed cluster per region (laid side by
side with the default top-to-bottom rank direction), edges carry the trigger (or ``after 5s`` /
``(auto)`` / ``timeout``) and the guards in brackets. Render with ``dot -Tsvg``.
"""

from __future__ import annotations

from typing import Any, Literal

from pystator.diagrams.graph import TOP, Block, Edge, MachineGraph, build_graph

__all__ = ["to_dot"]

_SHAPES = {
    "initial": 'shape=box, style="rounded,bold"',
    "terminal": "shape=doubleoctagon",
    "error": 'shape=box, style="rounded,filled", fillcolor="#fde0e0", color="#c00000"',
    "choice": "shape=diamond",
}
_EDGE_STYLES = {
    "event": "",
    "after": ', style=dashed, color="#1f5fbf"',
    "auto": ", style=dotted",
    "timeout": ', style=dashed, color="#c05000"',
    "internal": ", arrowhead=vee",
}


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _anchor(block: Block) -> str:
    return f"{block.id}::start"


def _cluster(block: Block) -> str:
    return f"cluster_{block.id}"


class _Writer:
    def __init__(self, graph: MachineGraph) -> None:
        self.graph = graph
        self.lines: list[str] = []

    def out(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def block_body(self, block: Block, depth: int) -> None:
        if block.kind == "parallel":
            self.out(depth, f'{_q(_anchor(block))} [shape=point, style=invis, width=0.01, label=""];')
        elif block.initial is not None:
            self.out(depth, f'{_q(_anchor(block))} [shape=point, width=0.12, label=""];')
            self.out(depth, f"{_q(_anchor(block))} -> {self.endpoint(block.initial)[0]};")
        for node, label in block.pseudo:
            shape = "circle" if node.startswith("H") else "plaintext"
            self.out(depth, f"{_q(node)} [shape={shape}, label={_q(label)}];")
        for member in block.members:
            region = self.graph.blocks.get(member)
            if region is not None:
                self.cluster(region, f"{region.label} (region)", depth)
            else:
                self.state(member, depth)

    def cluster(self, block: Block, label: str, depth: int) -> None:
        style = {"parallel": '"rounded,bold"', "region": "dashed"}.get(block.kind, "rounded")
        self.out(depth, f"subgraph {_q(_cluster(block))} {{")
        self.out(depth + 1, f"label={_q(label)}; style={style};")
        self.block_body(block, depth + 1)
        self.out(depth, "}")

    def state(self, name: str, depth: int) -> None:
        nested = self.graph.block_of_state(name)
        if nested is not None:
            suffix = " (parallel)" if nested.kind == "parallel" else ""
            self.cluster(nested, name + suffix, depth)
            return
        shape = _SHAPES.get(self.graph.states[name].type, "")
        attributes = f"label={_q(name)}" + (f", {shape}" if shape else "")
        self.out(depth, f"{_q(name)} [{attributes}];")

    def endpoint(self, node: str) -> tuple[str, Block | None]:
        """The DOT node an edge attaches to, and the cluster it stands for (compound states)."""
        block = self.graph.block_of_state(node) if node in self.graph.states else None
        if block is None:
            return _q(node), None
        return _q(_anchor(block)), block

    def inside(self, node: str, block: Block) -> bool:
        return block.id in self.graph.chain(node) or (node in self.graph.states and node == block.state)

    def edge(self, edge: Edge) -> str:
        tail, tail_block = self.endpoint(edge.source)
        head, head_block = self.endpoint(edge.target)
        attributes = f"label={_q(edge.label)}{_EDGE_STYLES[edge.style]}"
        if tail_block is not None and not self.inside(edge.target, tail_block):
            attributes += f", ltail={_q(_cluster(tail_block))}"
        if head_block is not None and not self.inside(edge.source, head_block):
            attributes += f", lhead={_q(_cluster(head_block))}"
        return f"{tail} -> {head} [{attributes}];"


def to_dot(machine: Any, *, direction: Literal["TB", "LR"] = "TB") -> str:
    """DOT source for a ``MachineConfig`` or a machine exposing one as ``.config``."""
    graph = build_graph(machine)
    writer = _Writer(graph)
    writer.out(0, f"digraph {_q(graph.name)} {{")
    writer.out(1, f"compound=true; rankdir={direction};")
    writer.out(1, 'node [shape=box, style=rounded, fontname="Helvetica"];')
    writer.out(1, 'edge [fontname="Helvetica", fontsize=10];')
    writer.out(1, f'{_q("::start")} [shape=point, width=0.15, label=""];')
    if graph.initial is not None:
        writer.out(1, f"{_q('::start')} -> {writer.endpoint(graph.initial)[0]};")
    top = graph.blocks[TOP]
    for node, label in top.pseudo:
        writer.out(1, f"{_q(node)} [shape=plaintext, label={_q(label)}];")
    for member in top.members:
        writer.state(member, 1)
    for block in graph.blocks.values():
        for edge in block.edges:
            writer.out(1, writer.edge(edge))
    writer.out(0, "}")
    return "\n".join(writer.lines) + "\n"

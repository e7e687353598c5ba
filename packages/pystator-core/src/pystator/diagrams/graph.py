"""A drawing-neutral view of a machine configuration, shared by the Mermaid and DOT writers.

Blocks nest like the statechart: the top level, compound states (their children), parallel states
(one block per region, side by side) and region blocks. Each edge is placed in the innermost block
that holds both of its ends. Pseudo nodes stand for history targets (keys ``H(p)`` / ``H*(p)``,
inside ``p``) and for the ``"*"`` wildcard source (key ``*``, at the top level); their keys cannot
clash with state names, and each writer maps them to ids of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig, StateDef

__all__ = [
    "TOP",
    "WILDCARD",
    "Block",
    "Edge",
    "MachineGraph",
    "build_graph",
    "config_of",
    "format_duration_ms",
    "guard_text",
]

BlockKind = Literal["top", "compound", "parallel", "region"]
TOP = "top"
WILDCARD = "*"


@dataclass
class Block:
    """A container: ``states`` (leaf or nested) and ``blocks`` (nested containers) in definition order."""

    id: str
    kind: BlockKind
    label: str
    state: str | None = None
    initial: str | None = None
    members: list[str] = field(default_factory=list)
    pseudo: list[tuple[str, str]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    style: Literal["event", "after", "auto", "timeout", "internal"] = "event"


@dataclass
class MachineGraph:
    """States by name, blocks by id, and for each state the block it is drawn in."""

    name: str
    states: dict[str, StateDef]
    blocks: dict[str, Block]
    container: dict[str, str]
    initial: str | None
    parent_block: dict[str, str] = field(default_factory=dict)

    def block_of_state(self, name: str) -> Block | None:
        """The block a compound or parallel state opens (None for a leaf)."""
        return self.blocks.get(f"state:{name}")

    def chain(self, node: str) -> list[str]:
        """Block ids from the top down to the block holding ``node`` (a state or a pseudo node)."""
        path: list[str] = []
        block_id: str | None = self.container.get(node, TOP)
        while block_id is not None:
            path.append(block_id)
            block_id = self.parent_block.get(block_id)
        return list(reversed(path))


def config_of(machine: Any) -> MachineConfig:
    """A ``MachineConfig`` itself, or the ``config`` attribute of a machine that has one."""
    from pystator_contracts.machine import MachineConfig

    if isinstance(machine, MachineConfig):
        return machine
    config = getattr(machine, "config", None)
    if isinstance(config, MachineConfig):
        return config
    raise TypeError(
        f"expected a MachineConfig or an object with a 'config' MachineConfig attribute "
        f"(such as StateMachine), got {type(machine).__name__}"
    )


def format_duration_ms(ms: int) -> str:
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1_000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


_OPS = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def guard_text(guard: Any) -> str:
    """A short readable form of a guard entry or condition."""
    if isinstance(guard, str):
        return guard
    if hasattr(guard, "expr"):
        return str(guard.expr)
    check = getattr(guard, "check", None)
    if check is None and hasattr(guard, "field") and hasattr(guard, "op"):
        check = guard
    if check is not None:
        if check.op in ("in", "not_in"):
            return f"{check.field} {check.op.replace('_', ' ')} {check.values!r}"
        if check.op in ("is_set", "is_null"):
            return f"{check.field} {check.op.replace('_', ' ')}"
        return f"{check.field} {_OPS.get(check.op, check.op)} {check.value!r}"
    if hasattr(guard, "all_of"):
        return "(" + " and ".join(guard_text(g) for g in guard.all_of) + ")"
    if hasattr(guard, "any_of"):
        return "(" + " or ".join(guard_text(g) for g in guard.any_of) + ")"
    if hasattr(guard, "not_"):
        return f"not {guard_text(guard.not_)}"
    return str(guard)


def _edge_label(transition: Any) -> tuple[str, Literal["event", "after", "auto", "internal"]]:
    style: Literal["event", "after", "auto", "internal"]
    if transition.trigger:
        cause, style = transition.trigger, "event"
    elif transition.after is not None:
        cause, style = f"after {format_duration_ms(transition.after)}", "after"
    else:
        cause, style = "(auto)", "auto"
    if transition.trigger and transition.after is not None:
        cause += f" / after {format_duration_ms(transition.after)}"
    if transition.internal:
        style = "internal"
    guards = [guard_text(g) for g in transition.guards]
    return (f"{cause} [{', '.join(guards)}]" if guards else cause), style


class _Builder:
    def __init__(self, config: MachineConfig) -> None:
        self.config = config
        self.states = {s.name: s for s in config.states}
        self.blocks: dict[str, Block] = {TOP: Block(TOP, "top", config.meta.machine_name or "machine")}
        self.container: dict[str, str] = {}
        self.parent_block: dict[str, str] = {}
        self.region_of: dict[str, str] = {}
        for state in config.states:
            for region in state.regions or ():
                for member in region.states:
                    self.region_of[member] = f"region:{state.name}:{region.name}"

    def build(self) -> MachineGraph:
        for state in self.config.states:
            self._open_blocks(state)
        for state in self.config.states:
            block_id = self._container_id(state)
            self.container[state.name] = block_id
            self.blocks[block_id].members.append(state.name)
        initial = next((s.name for s in self.config.states if s.type == "initial" and s.parent is None), None)
        self.blocks[TOP].initial = initial
        graph = MachineGraph(
            self.blocks[TOP].label, self.states, self.blocks, self.container, initial, self.parent_block
        )
        for transition in self.config.transitions:
            self._add_transition(graph, transition)
        for state in self.config.states:
            if state.timeout is not None:
                label = f"timeout {format_duration_ms(round(state.timeout.seconds * 1000))}"
                self._place(graph, Edge(state.name, state.timeout.destination, label, "timeout"))
        return graph

    def _container_id(self, state: StateDef) -> str:
        if state.name in self.region_of:
            return self.region_of[state.name]
        if state.parent is not None and f"state:{state.parent}" in self.blocks:
            return f"state:{state.parent}"
        return TOP

    def _open_blocks(self, state: StateDef) -> None:
        has_children = any(
            s.parent == state.name and s.name not in self.region_of for s in self.config.states
        )
        if state.type == "parallel" or state.regions:
            block = Block(f"state:{state.name}", "parallel", state.name, state=state.name)
            self.blocks[block.id] = block
            for region in state.regions or ():
                region_id = f"region:{state.name}:{region.name}"
                self.blocks[region_id] = Block(region_id, "region", region.name, initial=region.initial)
                self.parent_block[region_id] = block.id
                block.members.append(region_id)
        elif has_children:
            initial = state.initial_child or next(
                (s.name for s in self.config.states if s.parent == state.name), None
            )
            self.blocks[f"state:{state.name}"] = Block(
                f"state:{state.name}", "compound", state.name, state=state.name, initial=initial
            )

    def _link_block_parents(self) -> None:
        for block_id, block in self.blocks.items():
            if block.state is not None:
                self.parent_block[block_id] = self.container.get(block.state, TOP)

    def _endpoint_source(self, graph: MachineGraph, source: str) -> str | None:
        if source == "*":
            top = self.blocks[TOP]
            if WILDCARD not in self.container:
                self.container[WILDCARD] = TOP
                top.pseudo.append((WILDCARD, "* (any state)"))
            return WILDCARD
        name = source.split(":", 1)[1] if ":" in source else source
        return name if name in self.states else None

    def _endpoint_dest(self, graph: MachineGraph, dest: str) -> str | None:
        if dest.startswith("H"):
            deep = dest.startswith("H*")
            parent = dest[dest.index("(") + 1 : -1]
            node = f"{'H*' if deep else 'H'}({parent})"
            block_id = (
                f"state:{parent}" if f"state:{parent}" in self.blocks else self.container.get(parent, TOP)
            )
            if node not in self.container:
                self.container[node] = block_id
                self.blocks[block_id].pseudo.append((node, "H*" if deep else "H"))
            return node
        name = dest.split(":", 1)[1] if ":" in dest else dest
        return name if name in self.states else None

    def _add_transition(self, graph: MachineGraph, transition: Any) -> None:
        self._link_block_parents()
        label, style = _edge_label(transition)
        for source in transition.sources:
            start = self._endpoint_source(graph, source)
            end = start if transition.dest is None else self._endpoint_dest(graph, transition.dest)
            if start is None or end is None:
                continue  # an unknown reference: semantic validation reports it, the drawing omits it
            self._place(graph, Edge(start, end, label, style))

    def _place(self, graph: MachineGraph, edge: Edge) -> None:
        self._link_block_parents()
        if edge.source not in self.container or edge.target not in self.container:
            return
        left, right = graph.chain(edge.source), graph.chain(edge.target)
        common = TOP
        for a, b in zip(left, right):
            if a != b:
                break
            common = a
        self.blocks[common].edges.append(edge)


def build_graph(machine: Any) -> MachineGraph:
    return _Builder(config_of(machine)).build()

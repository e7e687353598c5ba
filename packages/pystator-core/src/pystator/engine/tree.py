"""Building the node tree from state definitions: parents, regions, document order, initial states.

Regions of a parallel state become region nodes between the parallel state and its members. A member
listed in a region without a ``parent`` (or with the parallel state as parent) hangs under the region;
a listed state whose parent is another state keeps that parent (a nested child of a region member).
A parallel state without ``regions`` treats each child as a region of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pystator.engine.nodes import Node
from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator_contracts.machine import StateDef

__all__ = ["StateTree", "build_tree"]


class StateTree:
    """The nodes of a machine: states by name, regions by name, roots in definition order, and the
    states the compiler has work for (``notable``: a timeout, enter or exit actions, or the type
    parallel or choice), in definition order."""

    __slots__ = ("notable", "regions", "roots", "states")

    def __init__(
        self,
        states: dict[str, Node],
        regions: dict[str, Node],
        roots: tuple[Node, ...],
        notable: list[Node],
    ) -> None:
        self.states = states
        self.regions = regions
        self.roots = roots
        self.notable = notable


def build_tree(definitions: Sequence[StateDef]) -> StateTree:
    states, nested, initial_named, notable = _state_nodes(definitions)
    if not nested:
        return _flat_tree(states, initial_named, notable)
    regions, member_region = _region_nodes(definitions, nested, states)
    if member_region:  # region members may be placed without naming a parent
        nested = [i for i, d in enumerate(definitions) if _nested(d) or d.name in member_region]
    regions.update(_assign_parents(definitions, nested, states, member_region))
    _link_children(definitions, nested, states, regions)
    roots = tuple(node for node in states.values() if node.parent is None)
    _number(roots)
    for node in states.values():
        if node.is_compound:
            _resolve_initial(node, states)
        elif node.is_leaf and node.name in initial_named:
            raise ConfigurationError(
                f"state {node.name!r}: initial_child {node.definition.initial_child!r} given but the state "
                "has no children"
            )
    for region in regions.values():
        _resolve_region_bounds(region, states)
    return StateTree(states, regions, roots, notable)


def _flat_tree(states: dict[str, Node], initial_named: set[str], notable: list[Node]) -> StateTree:
    """``build_tree`` of states that name no parent and have no regions: every state is a root and
    a leaf, numbered in definition order."""
    roots = tuple(states.values())
    for order, node in enumerate(roots, 1):
        node.order = order
    for node in roots if initial_named else ():
        if node.name in initial_named:
            raise ConfigurationError(
                f"state {node.name!r}: initial_child {node.definition.initial_child!r} given but the state "
                "has no children"
            )
    return StateTree(states, {}, roots, notable)


_NOTABLE = frozenset({"parallel", "choice"})


def _state_nodes(
    definitions: Sequence[StateDef],
) -> tuple[dict[str, Node], list[int], set[str], list[Node]]:
    """Every state's node, the indexes of the definitions that name a parent or have regions
    (the only ones the later passes have work for), the states that name an initial child, and
    the notable states (see ``StateTree``)."""
    states: dict[str, Node] = {}
    nested: list[int] = []
    initial_named: set[str] = set()
    notable: list[Node] = []
    for index, definition in enumerate(definitions):
        fields = definition.__dict__  # one read instead of five (see compiler._compile_transitions)
        if fields["submachine"] is not None:
            raise ConfigurationError(
                f"states[{index}].submachine: submachines are flattened when the configuration is loaded; "
                "build the machine with StateMachine.from_yaml / from_json / from_dict"
            )
        name, type_ = fields["name"], fields["type"]
        if name in states:
            raise ConfigurationError(f"states[{index}].name: duplicate state name {name!r}")
        states[name] = node = Node(name, type_, definition)
        if fields["parent"] is not None or fields["regions"] is not None or type_ == "parallel":
            nested.append(index)
        if fields["initial_child"] is not None:
            initial_named.add(name)
        if fields["on_enter"] or fields["on_exit"] or fields["timeout"] is not None or type_ in _NOTABLE:
            notable.append(node)
    return states, nested, initial_named, notable


def _nested(definition: StateDef) -> bool:
    return definition.parent is not None or definition.regions is not None or definition.type == "parallel"


def _region_nodes(
    definitions: Sequence[StateDef], nested: list[int], states: dict[str, Node]
) -> tuple[dict[str, Node], dict[str, Node]]:
    regions: dict[str, Node] = {}
    member_region: dict[str, Node] = {}
    for index in nested:
        definition = definitions[index]
        if definition.type != "parallel":
            if definition.regions:
                raise ConfigurationError(
                    f"states[{index}].regions: only a parallel state has regions ({definition.name!r} is "
                    f"{definition.type!r})"
                )
            continue
        parallel = states[definition.name]
        for r_index, region_def in enumerate(definition.regions or ()):
            path = f"states[{index}].regions[{r_index}]"
            if region_def.name in regions:
                raise ConfigurationError(f"{path}.name: duplicate region name {region_def.name!r}")
            region = Node(region_def.name, "region", region_def, is_region=True)
            region.parent = parallel
            regions[region_def.name] = region
            for member in region_def.states:
                if member not in states:
                    raise ConfigurationError(f"{path}.states: unknown state {member!r}")
                if member in member_region:
                    raise ConfigurationError(
                        f"{path}.states: state {member!r} is already in region {member_region[member].name!r}"
                    )
                member_region[member] = region
    return regions, member_region


def _assign_parents(
    definitions: Sequence[StateDef],
    nested: list[int],
    states: dict[str, Node],
    member_region: dict[str, Node],
) -> dict[str, Node]:
    """Set each state's parent; return the implicit regions of parallel states declared without any."""
    implicit: dict[str, Node] = {}
    for index in nested:
        definition = definitions[index]
        node = states[definition.name]
        declared = definition.parent
        if declared is not None and declared not in states:
            raise ConfigurationError(f"states[{index}].parent: unknown state {declared!r}")
        region = member_region.get(definition.name)
        if region is not None and (declared is None or declared == region.parent.name):  # type: ignore[union-attr]
            node.parent = region
            continue
        if declared is None:
            continue
        parent = states[declared]
        if parent.is_parallel and parent.definition.regions:
            raise ConfigurationError(
                f"states[{index}].parent: {definition.name!r} has parallel parent {declared!r} but is listed "
                "in none of its regions"
            )
        if parent.is_parallel:
            # A parallel state without declared regions: each child is a region of its own.
            region_node = Node(definition.name, "region", is_region=True)
            region_node.parent = parent
            implicit[definition.name] = region_node
            node.parent = region_node
        else:
            node.parent = parent
    _check_acyclic([states[definitions[index].name] for index in nested])
    return implicit


def _check_acyclic(nodes: list[Node]) -> None:
    """``nodes`` (in definition order) are those with a parent: a state without one is on no cycle."""
    for node in nodes:
        seen: set[str] = set()
        current: Node | None = node
        while current is not None:
            if not current.is_region:
                if current.name in seen:
                    raise ConfigurationError(f"states: the parent chain of {node.name!r} forms a cycle")
                seen.add(current.name)
            current = current.parent


def _link_children(
    definitions: Sequence[StateDef], nested: list[int], states: dict[str, Node], regions: dict[str, Node]
) -> None:
    children: dict[Node, list[Node]] = {}
    for index in nested:
        node = states[definitions[index].name]
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node)
    for region in regions.values():
        members = children.get(region, [])
        listed = list(getattr(region.definition, "states", ()) or ())
        members.sort(key=lambda n: listed.index(n.name) if n.name in listed else len(listed))
        region.children = tuple(members)
    for parent, kids in children.items():
        if not parent.is_region:
            parent.children = tuple(kids)
            parent.is_leaf = False
            parent.is_compound = not parent.is_parallel
    for index in nested:
        node = states[definitions[index].name]
        if node.is_parallel:
            node.regions = tuple(r for r in regions.values() if r.parent is node)
            node.children = node.regions
            if not node.regions:
                raise ConfigurationError(f"state {node.name!r}: a parallel state needs at least one region")
            node.is_leaf = False


def _number(roots: tuple[Node, ...]) -> None:
    """Document order (pre-order), depth and ancestor paths."""
    counter = 0
    stack: list[Node] = list(reversed(roots))
    while stack:
        node = stack.pop()
        counter += 1
        node.order = counter
        parent = node.parent
        if parent is not None:
            node.ancestors = ancestors = (parent, *parent.ancestors)
            node.depth = parent.depth + 1
            node.ancestor_set = frozenset(ancestors)
        children = node.children
        if children:
            stack.extend(reversed(children))


def _resolve_initial(node: Node, states: dict[str, Node]) -> None:
    """A compound state's initial child: the one named, else its first."""
    wanted = node.definition.initial_child
    if wanted is None:
        node.initial = node.children[0]
        return
    child = states.get(wanted)
    if child is None or child.parent is not node:
        raise ConfigurationError(f"state {node.name!r}: initial_child {wanted!r} is not a child of it")
    node.initial = child


def _resolve_region_bounds(region: Node, states: dict[str, Node]) -> None:
    definition = region.definition
    if definition is None:  # implicit region: its one child
        region.initial = region.children[0]
        return
    for key in ("initial", "final"):
        name = getattr(definition, key)
        if name is None:
            continue
        node = states.get(name)
        if node is None or region not in node.ancestor_set:
            raise ConfigurationError(
                f"region {region.name!r}: {key} state {name!r} is not a state of the region"
            )
        if key == "initial" and node.parent is not region:
            raise ConfigurationError(
                f"region {region.name!r}: initial state {name!r} must be a top-level member of the region"
            )
        setattr(region, key, node)
    if not region.children:
        raise ConfigurationError(f"region {region.name!r}: it has no states")

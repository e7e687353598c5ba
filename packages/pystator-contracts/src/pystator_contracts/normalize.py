"""Normalization: the configuration the engine sees, with composition resolved.

- every ``submachine`` (inline, or a YAML/JSON file relative to the file that names it, nested to
  any depth but never in a cycle) becomes ordinary child states with ``parent`` set; its initial
  state becomes the host's ``initial_child`` and its transitions join the machine's;
- members of a parallel state's regions get that state as ``parent`` when they name none;
- a compound state without ``initial_child`` takes the one child typed ``initial``.

Afterwards the only state of type ``initial`` is the top-level initial state, and no state has a
submachine. ``Origins`` remembers where each state and transition was written, for messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from pystator_contracts._render import join_path
from pystator_contracts.machine import InlineSubmachine, MachineConfig, StateDef, TransitionDef
from pystator_contracts.structure import check_structure

__all__ = [
    "MAX_SUBMACHINE_DEPTH",
    "Loader",
    "Normalized",
    "NumberedPaths",
    "Origins",
    "SubmachineLoadError",
    "normalize",
]

MAX_SUBMACHINE_DEPTH = 16

Loader = Callable[[Path], Mapping[str, Any]]
"""Reads a machine file into plain data; raises ``SubmachineLoadError`` or ``OSError``."""

# Keys of a submachine file that would be silently lost when it is folded into its host.
_HOST_ONLY_KEYS = ("groups", "error_policy", "state_variables", "context_invariants", "events")


class SubmachineLoadError(Exception):
    """A loader's failure to read a submachine file; ``errors`` lists the problems, each
    ``"LINE: problem"`` or just ``"problem"`` (the file name is added where it is reported)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


class NumberedPaths(Sequence[str]):
    """``key[0]``, ``key[1]``, ...: where the entries of a top-level list were written, each path
    made when it is read (messages are rare; a large machine has thousands of entries)."""

    __slots__ = ("_key", "_length")

    def __init__(self, key: str, length: int) -> None:
        self._key = key
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(f"{self._key}[{i}]" for i in range(self._length)[index])
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(index)
        return f"{self._key}[{position}]"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NumberedPaths):
            return (self._key, self._length) == (other._key, other._length)
        return isinstance(other, tuple) and tuple(self) == other

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"NumberedPaths({self._key!r}, {self._length})"


@dataclass(frozen=True)
class Origins:
    """Where each state and transition of a normalized config was written (``states[2]``,
    ``states[1].submachine.states[0]``, ``payment.yaml:states[0]``)."""

    states: Sequence[str]
    transitions: Sequence[str]

    @classmethod
    def plain(cls, config: MachineConfig) -> Origins:
        return cls(
            NumberedPaths("states", len(config.states)), NumberedPaths("transitions", len(config.transitions))
        )


@dataclass(frozen=True)
class Normalized:
    """The normalized config, where its parts were written, composition problems, and the states
    whose children came from a submachine."""

    config: MachineConfig
    origins: Origins
    errors: list[str] = field(default_factory=list)
    hosts: frozenset[str] = frozenset()


@dataclass
class _Scope:
    """Where a list of states and transitions came from, for paths and relative file names."""

    prefix: str
    directory: Path
    files: tuple[Path, ...]
    depth: int


@dataclass
class _Flat:
    """The flattening in progress: the loader, the root directory, and what has been produced."""

    load: Loader | None
    root: Path
    states: list[tuple[StateDef, str]] = field(default_factory=list)
    transitions: list[tuple[TransitionDef, str]] = field(default_factory=list)
    hosts: dict[str, set[str]] = field(default_factory=dict)  # host state -> names it brought in
    errors: list[str] = field(default_factory=list)


def normalize(
    config: MachineConfig, *, base_path: Path | None = None, load: Loader | None = None
) -> Normalized:
    """Resolve composition (see the module docstring); problems are returned, never raised.

    ``base_path`` is the file the configuration was read from, or its directory; file references
    resolve against it (the working directory when None). ``load`` reads referenced files.
    """
    hierarchical = False
    for state in config.states:
        fields = state.__dict__  # one read instead of three (pydantic attribute reads are slow)
        if fields["submachine"] is not None:
            break
        hierarchical = hierarchical or fields["parent"] is not None or fields["type"] == "parallel"
    else:
        return _without_submachines(config, hierarchical)
    root_files: tuple[Path, ...] = ()
    directory = Path.cwd()
    if base_path is not None:
        base = Path(base_path).resolve()
        if base.is_dir():
            directory = base
        else:
            directory, root_files = base.parent, (base,)
    flat = _Flat(load=load, root=directory)
    scope = _Scope(prefix="", directory=directory, files=root_files, depth=0)
    _flatten(config.states, config.transitions, scope, flat)
    _reject_children_beside_submachines(flat)
    states = _infer_initial_children(_adopt_region_members([s for s, _ in flat.states]))
    normalized = config.model_copy(update={"states": states, "transitions": [t for t, _ in flat.transitions]})
    origins = Origins(tuple(p for _, p in flat.states), tuple(p for _, p in flat.transitions))
    return Normalized(normalized, origins, flat.errors, frozenset(flat.hosts))


def _without_submachines(config: MachineConfig, hierarchical: bool) -> Normalized:
    """``normalize`` of a machine that includes no submachine: nothing to flatten or read, every
    state and transition is where it was written. Without a parent or a parallel state there is no
    region member to adopt and no initial child to infer either."""
    states = (
        _infer_initial_children(_adopt_region_members(config.states)) if hierarchical else list(config.states)
    )
    normalized = config.model_copy(update={"states": states, "transitions": list(config.transitions)})
    return Normalized(normalized, Origins.plain(config))


def _flatten(states: list[StateDef], transitions: list[TransitionDef], scope: _Scope, flat: _Flat) -> None:
    for i, state in enumerate(states):
        path = join_path(scope.prefix, "states", i)
        if state.submachine is None:
            flat.states.append((state, path))
            continue
        sub = _open_submachine(state, path, scope, flat)
        if sub is None:
            flat.states.append((state.model_copy(update={"submachine": None}), path))
            continue
        sub_config, sub_scope = sub
        host_index = len(flat.states)
        flat.states.append((state, path))
        _flatten(sub_config.states, sub_config.transitions, sub_scope, flat)
        flat.hosts[state.name] = {s.name for s, _ in flat.states[host_index + 1 :]}
        flat.states[host_index] = (_adopt_submachine(state, path, host_index, sub_scope, flat), path)
    for i, transition in enumerate(transitions):
        flat.transitions.append((transition, join_path(scope.prefix, "transitions", i)))


def _open_submachine(
    state: StateDef, path: str, scope: _Scope, flat: _Flat
) -> tuple[MachineConfig | InlineSubmachine, _Scope] | None:
    where = f"{path}.submachine"
    if state.type in ("parallel", "terminal", "choice"):
        flat.errors.append(f"{where}: a {state.type} state cannot hold a submachine")
        return None
    if scope.depth >= MAX_SUBMACHINE_DEPTH:
        flat.errors.append(f"{where}: submachines nest deeper than {MAX_SUBMACHINE_DEPTH} levels")
        return None
    spec = state.submachine
    if isinstance(spec, InlineSubmachine):
        return spec, _Scope(where, scope.directory, scope.files, scope.depth + 1)
    assert isinstance(spec, str)
    target = (scope.directory / spec).resolve()
    shown = _shown_file(target, flat.root)
    if target in scope.files:
        chain = " -> ".join(_shown_file(f, flat.root) for f in (*scope.files, target))
        flat.errors.append(f"{where}: submachine files form a cycle: {chain}")
        return None
    if flat.load is None:
        flat.errors.append(f"{where}: cannot read {spec!r}: no file loader is available here")
        return None
    try:
        data = flat.load(target)
    except SubmachineLoadError as exc:
        flat.errors.extend(
            f"{where}: {shown}:{problem}" if problem[:1].isdigit() else f"{where}: {shown}: {problem}"
            for problem in exc.errors
        )
        return None
    except OSError as exc:
        flat.errors.append(f"{where}: cannot read {spec!r}: {exc.strerror or exc}")
        return None
    model, problems = check_structure(data, prefix=f"{shown}:")
    if model is None:
        flat.errors.extend(problems)
        return None
    assert isinstance(model, MachineConfig)
    for key in _HOST_ONLY_KEYS:
        if key in model.model_fields_set:
            flat.errors.append(
                f"{shown}:{key}: a submachine file contributes only states and transitions; "
                f"declare {key} in the machine that includes it"
            )
    return model, _Scope(f"{shown}:", target.parent, (*scope.files, target), scope.depth + 1)


def _shown_file(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _adopt_submachine(host: StateDef, path: str, host_index: int, scope: _Scope, flat: _Flat) -> StateDef:
    """Make the submachine's top-level states children of ``host``; its initial state the initial child."""
    initial: str | None = None
    for index in range(host_index + 1, len(flat.states)):
        state, origin = flat.states[index]
        if state.parent is not None:
            continue
        updates: dict[str, Any] = {"parent": host.name}
        if state.type == "initial":
            if initial is None:
                initial = state.name
                updates["type"] = "stable"
            else:
                updates["type"] = "stable"  # reported here; not again as a stray initial child
                flat.errors.append(
                    f"{origin}.type: a second initial state {state.name!r} in the submachine "
                    f"(the first is {initial!r})"
                )
        flat.states[index] = (state.model_copy(update=updates), origin)
    if initial is None:
        flat.errors.append(
            f"{join_path(scope.prefix, 'states')}: the submachine has no initial state "
            "(one of its top-level states needs type: initial)"
        )
        return host.model_copy(update={"submachine": None})
    if host.initial_child is not None and host.initial_child != initial:
        flat.errors.append(
            f"{path}.initial_child: {host.initial_child!r} conflicts with the submachine's initial "
            f"state {initial!r}"
        )
    return host.model_copy(update={"submachine": None, "initial_child": initial})


def _reject_children_beside_submachines(flat: _Flat) -> None:
    for state, origin in flat.states:
        for host, brought in flat.hosts.items():
            if state.parent == host and state.name not in brought:
                flat.errors.append(
                    f"{origin}.parent: {host!r} takes its children from its submachine; "
                    f"add {state.name!r} to the submachine instead"
                )


def _adopt_region_members(states: list[StateDef]) -> list[StateDef]:
    """Region members that name no parent become children of their parallel state."""
    owner: dict[str, str] = {}
    for state in states:
        if state.type == "parallel":
            for region in state.regions or ():
                for member in region.states:
                    if member != state.name:
                        owner.setdefault(member, state.name)
    return [
        s.model_copy(update={"parent": owner[s.name]}) if s.parent is None and s.name in owner else s
        for s in states
    ]


def _infer_initial_children(states: list[StateDef]) -> list[StateDef]:
    """A compound state without ``initial_child`` takes its one child typed ``initial``; a child
    typed ``initial`` that is its parent's initial child becomes ``stable``."""
    by_parent: dict[str, list[StateDef]] = {}
    for state in states:
        if state.parent is not None:
            by_parent.setdefault(state.parent, []).append(state)
    chosen: dict[str, str] = {}
    for state in states:
        typed_initial = [c.name for c in by_parent.get(state.name, []) if c.type == "initial"]
        if state.type == "parallel":
            continue
        if state.initial_child is None and len(typed_initial) == 1:
            chosen[state.name] = typed_initial[0]
        elif state.initial_child is not None and state.initial_child in typed_initial:
            chosen[state.name] = state.initial_child
    result: list[StateDef] = []
    for state in states:
        updates: dict[str, Any] = {}
        if state.name in chosen and state.initial_child is None:
            updates["initial_child"] = chosen[state.name]
        if state.parent is not None and state.type == "initial" and chosen.get(state.parent) == state.name:
            updates["type"] = "stable"
        result.append(state.model_copy(update=updates) if updates else state)
    return result

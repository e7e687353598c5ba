"""Static warnings about a valid machine: things that are allowed but probably not meant.

``lint(config)`` never raises for a valid configuration; an invalid one raises
``ConfigurationError`` (validate first). Each warning has a stable ``code``:

==============================  ========  ===================================================
code                            severity  meaning
==============================  ========  ===================================================
``unreachable_state``           warning   no path from the initial state enters it
``dead_end``                    warning   not terminal, yet nothing leaves it
``no_terminal_reachable``       warning   no terminal state can be reached from it
``shadowed_transition``         warning   an earlier unguarded transition on the same source
                                          and trigger always wins
``nondeterministic_transition`` warning   two unguarded transitions on the same source and
                                          trigger; only the first can ever fire
``choice_without_default``      warning   every way out of a choice state is guarded
``auto_route_without_when``     warning   when-routing is on but no state has ``when`` checks
``unregistered_guard``          warning   a guard name not in the given guard registry
``unregistered_action``         warning   an action name not in the given action registry
``unused_group``                info      a group no state belongs to
``unused_variable``             info      a state variable nothing in the config refers to
==============================  ========  ===================================================
"""

from __future__ import annotations

import ast
import os
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator_contracts.graph import MachineGraph
    from pystator_contracts.machine import MachineConfig
    from pystator_contracts.normalize import Origins

__all__ = ["LintWarning", "Severity", "lint"]

Severity = Literal["warning", "info"]


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One finding: ``code`` (stable identifier), ``severity``, ``path`` (``states[3]``), ``message``."""

    code: str
    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.code}]"


def lint(
    config: Mapping[str, Any] | MachineConfig | str | os.PathLike[str],
    *,
    guards: Container[str] | None = None,
    actions: Container[str] | None = None,
) -> list[LintWarning]:
    """Warnings about ``config`` (a dict, a ``MachineConfig`` or a file path), in a stable order.

    With ``guards`` / ``actions`` (registries or any container of names), names the configuration
    uses but the registries lack are reported too; built-in actions always count as registered.
    """
    from pystator_contracts.graph import MachineGraph

    machine, origins = _validated(config)
    run = _Run(machine, MachineGraph(machine), origins)
    run.reachability()
    run.transition_conflicts()
    run.routing()
    run.registrations(guards, actions)
    run.unused()
    return run.found


def _validated(
    config: Mapping[str, Any] | MachineConfig | str | os.PathLike[str],
) -> tuple[MachineConfig, Origins]:
    from pystator.config.parsing import validation_outcome

    outcome = validation_outcome(config)
    if outcome.errors or outcome.config is None or outcome.origins is None:
        raise ConfigurationError("", errors=outcome.errors)
    return outcome.config, outcome.origins


class _Run:
    def __init__(self, config: MachineConfig, graph: MachineGraph, origins: Origins) -> None:
        self.config = config
        self.graph = graph
        self.origins = origins
        self.found: list[LintWarning] = []
        self.own_exits = self._own_exits()
        self.successors = {name: self._successors(name) for name in graph.states}

    def warn(self, code: str, path: str, message: str, severity: Severity = "warning") -> None:
        self.found.append(LintWarning(code, severity, path, message))

    def state_path(self, name: str) -> str:
        return self.origins.states[self.graph.index[name]]

    # ------------------------------------------------------------------ the state graph

    def _own_exits(self) -> dict[str, set[str]]:
        """Per state, the states entered by its own transitions and timeout (not its ancestors')."""
        exits: dict[str, set[str]] = {name: set() for name in self.graph.states}
        for transition in self.config.transitions:
            if transition.dest is None:
                continue
            entered = self.graph.entered(transition.dest)
            for source in self.graph.source_states(transition):
                if source in exits:
                    exits[source].update(entered)
        for name, state in self.graph.states.items():
            if state.timeout is not None:
                exits[name].update(self.graph.entered(state.timeout.destination))
        return exits

    def _successors(self, name: str) -> set[str]:
        """Where being in ``name`` can lead: into its initial children, or out through a transition
        or timeout of it or of an ancestor."""
        found = set(self.graph.initial_children(name))
        for scope in [name, *self.graph.ancestors(name)]:
            found.update(self.own_exits[scope])
        return found

    def _reached(self) -> set[str]:
        """States some path from the initial state enters (or, for ancestors, is inside of)."""
        graph = self.graph
        starts = [graph.initial_state()]
        policy = self.config.error_policy
        if policy is not None:
            starts.append(policy.default_fallback)
        classification = self.config.meta.classification
        if classification is not None and classification.auto_route:
            starts.append(classification.default_state)
            starts.extend(s.name for s in graph.states.values() if s.when)
        entered: set[str] = set()
        inside: set[str] = set()
        stack = [name for start in starts if start is not None for name in graph.entered(start)]
        while stack:
            name = stack.pop()
            if name in entered:
                continue
            entered.add(name)
            for scope in [name, *graph.ancestors(name)]:
                if scope not in inside:
                    inside.add(scope)
                    stack.extend(self.own_exits[scope])
            stack.extend(graph.initial_children(name))
        return entered | inside

    def _can_finish(self) -> set[str]:
        """States from which some terminal state can be reached."""
        predecessors: dict[str, set[str]] = {}
        for name, targets in self.successors.items():
            for target in targets:
                predecessors.setdefault(target, set()).add(name)
        done = {n for n, s in self.graph.states.items() if s.type == "terminal"}
        stack = list(done)
        while stack:
            for before in predecessors.get(stack.pop(), ()):
                if before not in done:
                    done.add(before)
                    stack.append(before)
        return done

    # ------------------------------------------------------------------ rules

    def reachability(self) -> None:
        graph = self.graph
        initial = graph.initial_state()
        reached = self._reached()
        has_terminal = any(s.type == "terminal" for s in graph.states.values())
        can_finish = self._can_finish()
        for name, state in graph.states.items():
            path = self.state_path(name)
            if name not in reached:
                self.warn(
                    "unreachable_state",
                    path,
                    f"state {name!r} is unreachable from the initial state {initial!r}",
                )
                continue
            if state.type == "terminal":
                continue
            leaf = not graph.is_compound(name) and state.type not in ("parallel", "choice")
            if leaf and not (self.successors[name] - {name}):
                self.warn(
                    "dead_end",
                    path,
                    f"state {name!r} is not terminal, yet no transition or timeout leaves it",
                )
            elif has_terminal and name not in can_finish:
                self.warn("no_terminal_reachable", path, f"no terminal state is reachable from {name!r}")

    def transition_conflicts(self) -> None:
        first_unguarded: dict[tuple[str, str, str | None], int] = {}
        reported: set[int] = set()
        for i, transition in enumerate(self.config.transitions):
            if transition.after is not None:
                continue
            cause = transition.trigger if transition.trigger is not None else "<auto>"
            for source in self.graph.source_states(transition):
                key = (source, cause, transition.region)
                if key in first_unguarded and i not in reported:
                    reported.add(i)
                    self._conflict(
                        i, first_unguarded[key], source, transition.trigger, bool(transition.guards)
                    )
                elif key not in first_unguarded and not transition.guards:
                    first_unguarded[key] = i

    def _conflict(self, later: int, earlier: int, source: str, trigger: str | None, guarded: bool) -> None:
        event = f"on {trigger!r}" if trigger is not None else "automatically"
        earlier_path = self.origins.transitions[earlier]
        path = self.origins.transitions[later]
        if guarded:
            self.warn(
                "shadowed_transition",
                path,
                f"never fires: {earlier_path} leaves {source!r} {event} first, without guards",
            )
        else:
            self.warn(
                "nondeterministic_transition",
                path,
                f"{earlier_path} and this transition both leave {source!r} {event} without guards; "
                "only the first ever fires",
            )

    def routing(self) -> None:
        for name, state in self.graph.states.items():
            if state.type != "choice":
                continue
            exits = [t for t in self.config.transitions if t.auto and name in self.graph.source_states(t)]
            if exits and all(t.guards for t in exits):
                self.warn(
                    "choice_without_default",
                    self.state_path(name),
                    f"every way out of choice state {name!r} is guarded; add a last one without guards",
                )
        classification = self.config.meta.classification
        routing = classification is not None and classification.auto_route
        if routing and not any(state.when for state in self.graph.states.values()):
            self.warn(
                "auto_route_without_when",
                "meta.classification.auto_route",
                "when-routing is on, but no state has when checks to route by",
            )

    def registrations(self, guards: Container[str] | None, actions: Container[str] | None) -> None:
        from pystator_contracts.machine import BUILTIN_ACTIONS
        from pystator_contracts.references import iter_references

        for ref in iter_references(self.config, self.origins):
            if ref.kind == "guard" and guards is not None and ref.value not in guards:
                self.warn("unregistered_guard", ref.path, f"guard {ref.value!r} is not registered")
            if (
                ref.kind == "action"
                and actions is not None
                and ref.value not in actions
                and ref.value not in BUILTIN_ACTIONS
            ):
                self.warn("unregistered_action", ref.path, f"action {ref.value!r} is not registered")

    def unused(self) -> None:
        used_groups = {s.group for s in self.graph.states.values() if s.group is not None}
        for group in self.config.groups:
            if group not in used_groups:
                self.warn("unused_group", f"groups.{group}", f"no state belongs to group {group!r}", "info")
        referenced = set(self._referenced_names())
        for i, variable in enumerate(self.config.variables):
            if variable.key not in referenced:
                self.warn(
                    "unused_variable",
                    f"state_variables[{i}]",
                    f"nothing in the configuration refers to variable {variable.key!r}",
                    "info",
                )

    def _referenced_names(self) -> Iterator[str]:
        from pystator_contracts.references import iter_references

        for ref in iter_references(self.config, self.origins):
            if ref.kind in ("field", "template"):
                yield ref.value.split(".", 1)[0]
            elif ref.kind == "expression":
                yield from _expression_names(ref.value)


def _expression_names(source: str) -> Iterator[str]:
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id

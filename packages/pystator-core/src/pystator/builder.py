"""``StateMachineBuilder``: the same machine as a YAML file, built in code.

Every method mirrors a configuration key, so ``builder.to_dict()`` is exactly the mapping
``StateMachine.from_dict`` would read from YAML, and ``build()`` goes through the same validation::

    machine = (
        StateMachineBuilder("order_management", version="1.0.0")
        .initial("pending")
        .state("open")
        .terminal("filled")
        .transition("exchange_ack", "pending", "open")
        .transition("fill", "open", "filled", guards=[{"expr": "fill_qty >= order_qty"}])
        .build()
    )
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pystator.actions import ActionRegistry
    from pystator.guards import GuardRegistry
    from pystator.machine import StateMachine

__all__ = ["StateMachineBuilder"]

Source = str | Sequence[str]


class StateMachineBuilder:
    def __init__(
        self,
        machine_name: str | None = None,
        *,
        version: str | None = None,
        strict_mode: bool | None = None,
        **meta: Any,
    ) -> None:
        self._meta: dict[str, Any] = dict(meta)
        if machine_name is not None:
            self._meta["machine_name"] = machine_name
        if version is not None:
            self._meta["version"] = version
        if strict_mode is not None:
            self._meta["strict_mode"] = strict_mode
        self._states: list[dict[str, Any]] = []
        self._transitions: list[dict[str, Any]] = []
        self._top: dict[str, Any] = {}
        self._guards: dict[str, Callable[..., Any]] = {}
        self._actions: dict[str, Callable[..., Any]] = {}

    # ------------------------------------------------------------------------ meta and top level

    def meta(self, **values: Any) -> StateMachineBuilder:
        """Set ``meta`` keys (``strict_mode``, ``event_normalizer``, ``validate_context``, ...)."""
        self._meta.update(values)
        return self

    def groups(self, **groups: Mapping[str, Any]) -> StateMachineBuilder:
        self._top.setdefault("groups", {}).update({k: dict(v) for k, v in groups.items()})
        return self

    def state_variables(self, *variables: str | Mapping[str, Any]) -> StateMachineBuilder:
        self._top.setdefault("state_variables", []).extend(
            v if isinstance(v, str) else dict(v) for v in variables
        )
        return self

    def context_invariant(self, name: str, **check: Any) -> StateMachineBuilder:
        self._top.setdefault("context_invariants", []).append({"name": name, "check": check})
        return self

    def error_policy(self, **policy: Any) -> StateMachineBuilder:
        self._top["error_policy"] = policy
        return self

    # ------------------------------------------------------------------------ states

    def state(self, name: str, type: str = "stable", **fields: Any) -> StateMachineBuilder:
        """Add a state; ``fields`` are any state keys (``parent``, ``on_enter``, ``timeout``, ...)."""
        self._states.append({"name": name, "type": type, **fields})
        return self

    def initial(self, name: str, **fields: Any) -> StateMachineBuilder:
        return self.state(name, "initial", **fields)

    def terminal(self, name: str, **fields: Any) -> StateMachineBuilder:
        return self.state(name, "terminal", **fields)

    def choice(self, name: str, **fields: Any) -> StateMachineBuilder:
        return self.state(name, "choice", **fields)

    def compound(
        self, name: str, children: Sequence[str], *, initial: str | None = None, **fields: Any
    ) -> StateMachineBuilder:
        """A compound state: ``children`` (added as stable states unless already added) get it as
        parent; ``initial`` defaults to the first child."""
        self.state(name, fields.pop("type", "stable"), initial_child=initial or children[0], **fields)
        self._adopt(name, children)
        return self

    def parallel(self, name: str, regions: Mapping[str, Sequence[str]], **fields: Any) -> StateMachineBuilder:
        """A parallel state; ``regions`` maps each region to its states (the first is its initial).

        States not yet added are added as stable states. Use ``state(..., type="parallel",
        regions=[...])`` for full control (``final``, ``description``).
        """
        region_defs = [
            {"name": r, "initial": members[0], "states": list(members)} for r, members in regions.items()
        ]
        self.state(name, "parallel", regions=region_defs, **fields)
        for members in regions.values():
            self._adopt(None, members)
        return self

    def _adopt(self, parent: str | None, children: Sequence[str]) -> None:
        known = {s["name"]: s for s in self._states}
        for child in children:
            if child in known:
                if parent is not None:
                    known[child]["parent"] = parent
            else:
                self._states.append(
                    {"name": child, "type": "stable", **({"parent": parent} if parent else {})}
                )

    # ------------------------------------------------------------------------ transitions

    def transition(
        self, trigger: str | None, source: Source, dest: str | None = None, **fields: Any
    ) -> StateMachineBuilder:
        """Add a transition; ``fields`` are any transition keys (``guards``, ``actions``, ``after``,
        ``region``, ``internal``, ``auto``, ``description``, ...)."""
        entry: dict[str, Any] = {"source": source if isinstance(source, str) else list(source), **fields}
        if trigger is not None:
            entry["trigger"] = trigger
        if dest is not None:
            entry["dest"] = dest
        self._transitions.append(entry)
        return self

    def after(self, delay: int | str, source: Source, dest: str, **fields: Any) -> StateMachineBuilder:
        """A delayed transition (``after: delay``)."""
        return self.transition(fields.pop("trigger", None), source, dest, after=delay, **fields)

    def auto(self, source: Source, dest: str, **fields: Any) -> StateMachineBuilder:
        """An eventless transition, taken on entering ``source`` when its guards pass."""
        return self.transition(fields.pop("trigger", None), source, dest, auto=True, **fields)

    # ------------------------------------------------------------------------ guards and actions

    def guard(self, name: str, fn: Callable[..., Any]) -> StateMachineBuilder:
        """Register a guard on the machine that ``build()`` returns."""
        self._guards[name] = fn
        return self

    def action(self, name: str, fn: Callable[..., Any]) -> StateMachineBuilder:
        """Register an action on the machine that ``build()`` returns."""
        self._actions[name] = fn
        return self

    # ------------------------------------------------------------------------ output

    def to_dict(self) -> dict[str, Any]:
        """The configuration mapping, as it would be read from YAML."""
        data: dict[str, Any] = {}
        if self._meta:
            data["meta"] = dict(self._meta)
        data["states"] = self._states
        data["transitions"] = self._transitions
        data.update(self._top)
        return copy.deepcopy(data)

    def build(
        self, *, guards: GuardRegistry | None = None, actions: ActionRegistry | None = None
    ) -> StateMachine:
        """Validate and compile; raises ``ConfigurationError`` listing every problem."""
        from pystator.machine import StateMachine

        machine = StateMachine.from_dict(self.to_dict(), guards=guards, actions=actions)
        for name, fn in self._guards.items():
            machine.guard_registry.register(name, fn)
        for name, fn in self._actions.items():
            machine.action_registry.register(name, fn)
        return machine

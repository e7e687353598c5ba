"""``StateMachine``: a machine definition compiled once, and the pure ``process()`` over it.

``process(current_state, trigger, context)`` computes a transition and returns a frozen
``TransitionResult``; it never mutates the context, executes nothing and does no I/O. Guards are
looked up in the machine's ``GuardRegistry`` (``bind_guards``, ``@machine.guard``); actions are
planned as ``ActionSpec`` values for an ``ActionExecutor`` to run (``machine.action_registry``).
See docs/guides/engine.md for the semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pystator.actions import ActionRegistry
from pystator.config import load_file, parse_machine_config, validate_config
from pystator.destination import DestinationCheckResult, aevaluate_destination, evaluate_destination
from pystator.engine.compiler import compile_machine
from pystator.engine.drivers import drive_async, drive_sync
from pystator.engine.guards import GuardBinding
from pystator.engine.hierarchy import active_states
from pystator.engine.kernel import Kernel, Trace
from pystator.engine.loading import gc_paused
from pystator.engine.parallel import ParallelConfiguration, format_atoms
from pystator.engine.queries import available_transitions, state_info, transition_info
from pystator.engine.regions import region_results
from pystator.engine.reserved import HISTORY_KEY
from pystator.engine.routing import compile_router
from pystator.engine.views import StateInfo, TransitionInfo
from pystator.errors import InvalidStateError, UndefinedStateError
from pystator.event import Event
from pystator.guards import GuardRegistry
from pystator.result import TimerSpec, TransitionResult

if TYPE_CHECKING:
    from pystator.hooks import TransitionObserver
    from pystator.orchestrator import Orchestrator
    from pystator.session import EntitySession
    from pystator_contracts.machine import MachineConfig, StateDef

__all__ = ["StateMachine"]

F = TypeVar("F", bound=Callable[..., Any])
Context = Mapping[str, Any] | None


class StateMachine:
    """A compiled machine. Build it with ``from_yaml`` / ``from_json`` / ``from_dict`` /
    ``StateMachineBuilder``; it holds no entity state and is safe to share between threads."""

    def __init__(
        self,
        config: MachineConfig,
        *,
        guards: GuardRegistry | None = None,
        actions: ActionRegistry | None = None,
    ) -> None:
        self._config = config
        self._binding = GuardBinding(
            guards if guards is not None else GuardRegistry(),
            strict=config.meta.effective_strict_guard_registry,
        )
        self._actions = actions if actions is not None else ActionRegistry()
        with gc_paused():
            self._compiled = compile_machine(config, self._binding)
        self._kernel = Kernel(self._compiled)
        self._states = self._compiled.states
        self._normalized = self._compiled.normalizer is not None
        meta = config.meta.model_dump(mode="python", exclude_none=False)
        meta["groups"] = {name: dict(group) for name, group in config.groups.items()}
        self._meta: Mapping[str, Any] = MappingProxyType(meta)
        self._router = compile_router(config, self._states)

    # ------------------------------------------------------------------------ construction

    @classmethod
    def from_config(cls, config: MachineConfig, **registries: Any) -> StateMachine:
        return cls(config, **registries)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, base_path: str | Path | None = None, **registries: Any
    ) -> StateMachine:
        """Build from a loaded YAML/JSON mapping; ``ConfigurationError`` lists every problem."""
        with gc_paused():  # one pause for validation and compilation (see gc_paused)
            return cls(parse_machine_config(data, base_path=base_path), **registries)

    @classmethod
    def from_yaml(cls, path: str | Path, **registries: Any) -> StateMachine:
        """Read a YAML machine file safely; ``submachine`` files resolve beside it."""
        return cls.from_dict(load_file(path, format="yaml"), base_path=path, **registries)

    @classmethod
    def from_json(cls, path: str | Path, **registries: Any) -> StateMachine:
        """Read a JSON machine file; ``submachine`` files resolve beside it."""
        return cls.from_dict(load_file(path, format="json"), base_path=path, **registries)

    @staticmethod
    def validate_config(config: Mapping[str, Any] | MachineConfig, strict: bool = False) -> list[str]:
        """Every problem of a configuration as readable strings (empty when valid); ``strict``
        raises ``ConfigurationError`` carrying them instead."""
        return validate_config(config, strict=strict)

    # ------------------------------------------------------------------------ description

    @property
    def config(self) -> MachineConfig:
        return self._config

    @property
    def name(self) -> str:
        return self._config.meta.machine_name or ""

    @property
    def version(self) -> str:
        return self._config.meta.version or ""

    @property
    def description(self) -> str:
        return self._config.meta.description

    @property
    def meta(self) -> Mapping[str, Any]:
        """The ``meta`` block (with defaults and free-form keys) plus ``groups``."""
        return self._meta

    @property
    def states(self) -> Mapping[str, StateDef]:
        """The state definitions by name, in definition order."""
        return MappingProxyType({name: node.definition for name, node in self._states.items()})

    @property
    def state_names(self) -> list[str]:
        return list(self._states)

    @property
    def triggers(self) -> list[str]:
        """Every user trigger, in definition order (timer and completion triggers excluded)."""
        return list(self._compiled.user_triggers)

    @property
    def transitions(self) -> list[TransitionInfo]:
        return [transition_info(t) for t in self._compiled.transitions if t.definition is not None]

    @property
    def terminal_states(self) -> list[str]:
        return [name for name, node in self._states.items() if node.is_terminal]

    @property
    def parallel_states(self) -> list[str]:
        return [name for name, node in self._states.items() if node.is_parallel]

    @property
    def leaf_states(self) -> list[str]:
        return [name for name, node in self._states.items() if node.is_leaf]

    @property
    def initial_state(self) -> str:
        """Where a new entity rests: the initial leaf, or a parallel state's stored form."""
        return format_atoms(self._kernel.atoms(self._compiled.initial.name))

    def __repr__(self) -> str:
        return f"StateMachine(name={self.name!r}, version={self.version!r}, states={len(self._states)})"

    # ------------------------------------------------------------------------ guards and actions

    @property
    def guard_registry(self) -> GuardRegistry:
        return self._binding.registry

    @property
    def action_registry(self) -> ActionRegistry:
        return self._actions

    def bind_guards(self, registry: GuardRegistry) -> StateMachine:
        """Use ``registry`` for guard lookups; guards already registered on the machine and missing
        from ``registry`` are carried over into it."""
        _carry_over(self._binding.registry, registry)
        self._binding.registry = registry
        return self

    def orchestrate(self, state_store: Any, **options: Any) -> Orchestrator:
        """An ``Orchestrator`` for this machine on ``state_store``, with the machine's bound guard
        and action registries; ``options`` are the Orchestrator's other arguments (``scheduler``,
        ``context_validator``, ``hooks``, ``use_initial_state_when_missing``, ...)."""
        from pystator.orchestrator import Orchestrator

        return Orchestrator(self, state_store, self.guard_registry, self.action_registry, **options)

    def bind_actions(self, registry: ActionRegistry) -> StateMachine:
        """Use ``registry`` as ``machine.action_registry`` (actions already registered on the
        machine and missing from it are carried over)."""
        _carry_over(self._actions, registry)
        self._actions = registry
        return self

    @overload
    def guard(self, name: F) -> F: ...
    @overload
    def guard(self, name: str | None = None) -> Callable[[F], F]: ...
    def guard(self, name: str | F | None = None) -> Any:
        """Register a guard: ``@machine.guard("name")``, ``@machine.guard()`` or ``@machine.guard``."""
        return _decorate(lambda: self._binding.registry, name)

    @overload
    def action(self, name: F) -> F: ...
    @overload
    def action(self, name: str | None = None) -> Callable[[F], F]: ...
    def action(self, name: str | F | None = None) -> Any:
        """Register an action: ``@machine.action("name")``, ``@machine.action()`` or ``@machine.action``."""
        return _decorate(lambda: self._actions, name)

    # ------------------------------------------------------------------------ processing

    def process(self, current_state: str, trigger: str | Event, context: Context = None) -> TransitionResult:
        """Compute the transition for ``trigger`` from ``current_state``; guards must be synchronous."""
        if type(trigger) is str and not self._normalized:
            node = self._states.get(current_state)
            if node is not None:
                memo = node.static_results.get(trigger) or self._kernel.quick(node, trigger, context)
                if memo is not None:
                    return memo
        outcome = self._kernel.start(current_state, trigger, context)
        return outcome if type(outcome) is TransitionResult else drive_sync(outcome)  # type: ignore[arg-type]

    async def aprocess(
        self, current_state: str, trigger: str | Event, context: Context = None
    ) -> TransitionResult:
        """``process`` for sync and async guards alike (async guards are awaited)."""
        if type(trigger) is str and not self._normalized:
            node = self._states.get(current_state)
            if node is not None:
                memo = node.static_results.get(trigger) or self._kernel.quick(node, trigger, context)
                if memo is not None:
                    return memo
        outcome = self._kernel.start(current_state, trigger, context)
        return outcome if type(outcome) is TransitionResult else await drive_async(outcome)  # type: ignore[arg-type]

    # ------------------------------------------------------------------------ sessions

    def create(
        self,
        *,
        entity_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        initial_state: str | None = None,
        execute_actions: bool = False,
        observer: TransitionObserver | None = None,
    ) -> EntitySession:
        """A stateful ``EntitySession`` for one entity (see docs/guides/entity-session.md)."""
        from pystator.session import EntitySession

        return EntitySession(
            self,
            entity_id=entity_id,
            context=context,
            initial_state=initial_state,
            execute_actions=execute_actions,
            observer=observer,
        )

    # ------------------------------------------------------------------------ parallel states

    def enter_parallel_state(self, name: str) -> ParallelConfiguration:
        """The configuration of entering parallel state ``name``: every region at its initial state."""
        node = self._states.get(name)
        if node is None:
            raise UndefinedStateError(f"state {name!r} is not defined in this machine", state=name)
        if not node.is_parallel:
            raise InvalidStateError(
                f"state {name!r} is not a parallel state (type {node.type!r})", state=name
            )
        return ParallelConfiguration.from_atoms(self._kernel.atoms(name))

    def configuration(self, state: str) -> ParallelConfiguration:
        """Parse a stored state (a leaf or a parallel stored form) into a ``ParallelConfiguration``."""
        return ParallelConfiguration.from_atoms(self._kernel.atoms(state))

    def process_parallel(
        self, config: ParallelConfiguration | str, event: str | Event, context: Context = None
    ) -> tuple[ParallelConfiguration, list[TransitionResult]]:
        """Process ``event`` in a parallel configuration; one result per transition fired (per
        region), or the single failure / no-op result when none fired."""
        state, trace = str(config), Trace()
        outcome = self._kernel.start(state, event, context, trace)
        result = outcome if isinstance(outcome, TransitionResult) else drive_sync(outcome)
        return self._parallel_outcome(state, result, trace, context)

    async def aprocess_parallel(
        self, config: ParallelConfiguration | str, event: str | Event, context: Context = None
    ) -> tuple[ParallelConfiguration, list[TransitionResult]]:
        state, trace = str(config), Trace()
        outcome = self._kernel.start(state, event, context, trace)
        result = outcome if isinstance(outcome, TransitionResult) else await drive_async(outcome)
        return self._parallel_outcome(state, result, trace, context)

    def _parallel_outcome(
        self, state: str, result: TransitionResult, trace: Trace, context: Context
    ) -> tuple[ParallelConfiguration, list[TransitionResult]]:
        final = result.target_state if result.success and result.target_state is not None else state
        configuration = ParallelConfiguration.from_atoms(self._kernel.atoms(final))
        records = (context or {}).get(HISTORY_KEY)
        compiled = self._compiled
        results = region_results(result, trace, compiled.states, compiled.history_parents, records)
        return configuration, results

    # ------------------------------------------------------------------------ when-routing

    @property
    def auto_route(self) -> bool:
        """``meta.classification.auto_route``: sessions route after every change when true."""
        return self._router is not None and self._router.auto_route

    def route(self, state: str, context: Context = None) -> TransitionResult | None:
        """One when-routing step from ``state`` (see ``pystator.engine.routing``); None when the
        machine stays where it is."""
        pending = self._kernel.eventless(state, context)
        taken = drive_sync(pending) if pending is not None else None
        if taken is not None:
            return taken
        target = self._route_target(state, context)
        if target is None:
            return None
        return self._routed(state, target, self.evaluate_destination(state, target, context))

    async def aroute(self, state: str, context: Context = None) -> TransitionResult | None:
        pending = self._kernel.eventless(state, context)
        taken = await drive_async(pending) if pending is not None else None
        if taken is not None:
            return taken
        target = self._route_target(state, context)
        if target is None:
            return None
        return self._routed(state, target, await self.aevaluate_destination(state, target, context))

    def route_all(
        self, state: str, context: Context = None, *, max_depth: int = 16
    ) -> list[TransitionResult]:
        """Routing steps until the machine stays put (at most ``max_depth``); a failed step ends it."""
        results: list[TransitionResult] = []
        for _ in range(max_depth):
            result = self.route(state, context)
            if result is None:
                break
            results.append(result)
            if not result.success or result.target_state is None:
                break
            state = result.target_state
        return results

    async def aroute_all(
        self, state: str, context: Context = None, *, max_depth: int = 16
    ) -> list[TransitionResult]:
        results: list[TransitionResult] = []
        for _ in range(max_depth):
            result = await self.aroute(state, context)
            if result is None:
                break
            results.append(result)
            if not result.success or result.target_state is None:
                break
            state = result.target_state
        return results

    def _route_target(self, state: str, context: Context) -> str | None:
        if self._router is None:
            return None
        target = self._router.destination(self._kernel.atoms(state), context or {})
        return target.name if target is not None else None

    def _routed(self, state: str, target: str, check: DestinationCheckResult) -> TransitionResult:
        for candidate in check.candidates:
            if candidate.executable and candidate.transition_result is not None:
                return candidate.transition_result
        compiled = self._compiled
        return self._router.direct_move(  # type: ignore[union-attr]
            state,
            self._kernel.atoms(state),
            compiled.states[target],
            compiled.states,
            compiled.history_parents,
        )

    # ------------------------------------------------------------------------ queries

    def get_state(self, name: str) -> StateInfo:
        node = self._states.get(name)
        if node is None:
            raise UndefinedStateError(f"state {name!r} is not defined in this machine", state=name)
        return state_info(node)

    def get_initial_state(self) -> StateInfo:
        """The state a new entity rests in: the initial state's leaf (via ``initial_child``), or the
        parallel state; ``.configuration`` is the string to store as its current state."""
        atoms = self._kernel.atoms(self._compiled.initial.name)
        if len(atoms) == 1:
            return state_info(atoms[0])
        return state_info(self._states[ParallelConfiguration.from_atoms(atoms).state])

    def get_available_transitions(self, state: str) -> list[TransitionInfo]:
        """Event-triggered transitions from ``state`` (its own and inherited; guards not evaluated)."""
        return available_transitions(self._compiled, self._kernel.atoms(state))

    def get_available_triggers(self, state: str, context: Context = None) -> list[str]:
        """Triggers with a transition from ``state``; with ``context``, only those that would succeed
        (sync guards evaluated, nothing executed)."""
        triggers = list(dict.fromkeys(str(t.trigger) for t in self.get_available_transitions(state)))
        if context is None:
            return triggers
        return [t for t in triggers if (r := self.process(state, t, context)).success and not r.is_no_op]

    def is_terminal(self, state: str) -> bool:
        atoms = self._kernel.atoms(state)
        return len(atoms) == 1 and atoms[0].is_terminal

    def timers_for(self, state: str) -> tuple[TimerSpec, ...]:
        """The timers armed while resting in ``state`` (every active state's ``after`` and ``timeout``
        timers): what to schedule for a new entity, or to re-arm after a restart."""
        nodes = sorted(active_states(self._kernel.atoms(state)), key=lambda n: n.order)
        return tuple(timer for node in nodes for timer in node.timers)

    def active_states(self, state: str) -> list[str]:
        """Every state active in a stored configuration (leaves and their ancestors), document order."""
        nodes = active_states(self._kernel.atoms(state))
        return [n.name for n in sorted(nodes, key=lambda n: n.order) if not n.is_region]

    def evaluate_destination(
        self, state: str, destination: str, context: Context = None
    ) -> DestinationCheckResult:
        """Which triggers lead from ``state`` to ``destination`` (guards applied, nothing executed)."""
        return evaluate_destination(
            self._compiled, self._kernel, self.process, state=state, destination=destination, context=context
        )

    async def aevaluate_destination(
        self, state: str, destination: str, context: Context = None
    ) -> DestinationCheckResult:
        return await aevaluate_destination(
            self._compiled, self._kernel, self.aprocess, state=state, destination=destination, context=context
        )

    def can_transition_to(self, state: str, destination: str, context: Context = None) -> bool:
        return self.evaluate_destination(state, destination, context).allowed

    async def acan_transition_to(self, state: str, destination: str, context: Context = None) -> bool:
        return (await self.aevaluate_destination(state, destination, context)).allowed


def _carry_over(old: Any, new: Any) -> None:
    if old is new:
        return
    for name in old.names():
        if name not in new:
            new.register(name, old.get(name))


def _decorate(registry: Callable[[], Any], name: Any) -> Any:
    if callable(name):
        fn = name
        registry().register(fn.__name__, fn)
        return fn

    def wrap(fn: F) -> F:
        registry().register(name or fn.__name__, fn)
        return fn

    return wrap

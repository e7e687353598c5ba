"""The transition kernel: ``(configuration, trigger, context) -> TransitionResult``, pure.

1. resolve the stored state to its atoms; a terminal leaf refuses every event;
2. find candidates for the trigger; none: an undefined trigger / invalid transition (a failure in
   strict mode, a no-op otherwise) or a stale timer (always a no-op);
3. validate the context when ``meta.validate_context`` is on;
4. select transitions (guards) and take the microstep;
5. settle: leave choice states at once, raise the completion event of a parallel state whose regions
   all reached their final state, take eventless (``auto``) transitions; at most ``MAX_STEPS``.

``Kernel.start`` runs as far as it can synchronously and returns either the ``TransitionResult`` or,
when a guard answered with an awaitable (or eventless steps must be followed), a generator that
finishes the work; the drivers (``drivers.py``) consume both forms, so ``process`` and
``aprocess`` share this one algorithm.

Results that depend on nothing but the inputs are memoised: per leaf and trigger when no guard was
evaluated, per leaf and chosen candidate otherwise, and in bounded tables for parallel
configurations. Results that read history records are never memoised.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import MappingProxyType
from typing import Any

from pystator.engine.compiled import CompiledMachine
from pystator.engine.microstep import Step, microstep
from pystator.engine.nodes import Candidate, Node
from pystator.engine.parallel import parse_configuration
from pystator.engine.reserved import EVENT_KEY, HISTORY_KEY, completion_trigger, is_timer_trigger
from pystator.engine.results import failure, no_op, success
from pystator.engine.selection import (
    GuardAbort,
    Pending,
    Selection,
    first_enabled,
    resolve,
    select,
    select_one,
)
from pystator.errors import (
    ContextValidationError,
    GuardNotFoundError,
    GuardRejectedError,
    InvalidTransitionError,
    TerminalStateError,
    UndefinedTriggerError,
)
from pystator.event import Event
from pystator.result import TransitionResult

__all__ = ["AUTO_TRIGGER", "MAX_STEPS", "Kernel", "Outcome", "Trace"]

AUTO_TRIGGER = "__auto__"
MAX_STEPS = 64  # eventless steps (choices, joins, auto transitions) allowed after one event
_CACHE_LIMIT = 4096
_EMPTY_CONTEXT: Mapping[str, Any] = MappingProxyType({})

Steps = Generator[Any, Any, TransitionResult]
Outcome = TransitionResult | Steps


class Trace:
    """Filled by the kernel when passed: the steps behind the result (for per-region results)."""

    __slots__ = ("completed", "start_atoms", "steps")

    def __init__(self) -> None:
        self.start_atoms: tuple[Node, ...] = ()
        self.steps: list[Step] = []
        self.completed: list[str] = []


class Call(Selection):
    """One ``process`` call: its inputs, and what its result turned out to depend on."""

    __slots__ = ("atoms", "ctx", "leaf", "name", "state", "trace")

    def __init__(
        self,
        state: str,
        name: str,
        atoms: tuple[Node, ...],
        leaf: Node | None,
        ctx: Mapping[str, Any],
        trace: Trace | None,
    ) -> None:
        self.candidates: list[Candidate] = []
        self.rejected: list[str] | None = None
        self.evaluated = False
        self.history_read = False
        self.state = state
        self.name = name
        self.atoms = atoms
        self.leaf = leaf  # the single atom, when the stored state is exactly that leaf's name
        self.ctx = ctx
        self.trace = trace

    def fail(self, reason: str, error: Any, **extra: Any) -> TransitionResult:
        return failure(self.state, self.name, reason, error, **extra)


class Kernel:
    def __init__(self, machine: CompiledMachine) -> None:
        self.machine = machine
        self._plain_triggers = machine.normalizer is None
        self._settles = bool(machine.has_choices or machine.joins or machine.has_auto)
        self._parsed: dict[str, tuple[Node, ...]] = {}
        self._steps: dict[tuple[Any, ...], Step] = {}
        self._results: dict[tuple[Any, ...], TransitionResult] = {}

    # ----------------------------------------------------------------------------- inputs

    def atoms(self, state: str) -> tuple[Node, ...]:
        """The atoms of a stored state; raises UndefinedStateError / InvalidStateError."""
        node = self.machine.states.get(state)
        if node is not None:
            return node.default
        parsed = self._parsed.get(state)
        if parsed is None:
            if not isinstance(state, str):
                raise TypeError(f"current_state: expected a string, got {type(state).__name__}")
            parsed = parse_configuration(state, self.machine.states)
            _remember(self._parsed, state, parsed)
        return parsed

    def trigger_name(self, trigger: str | Event) -> tuple[str, Event | None]:
        if isinstance(trigger, Event):
            name, event = trigger.trigger, trigger
        elif isinstance(trigger, str):
            name, event = str(trigger), None
        else:
            raise TypeError(f"trigger: expected a string or an Event, got {type(trigger).__name__}")
        normalizer = self.machine.normalizer
        if normalizer is not None and not is_timer_trigger(name):
            name = normalizer(name)
        return name, event

    @staticmethod
    def guard_context(context: Mapping[str, Any] | None, event: Event | None) -> Mapping[str, Any]:
        """The read-only context guards see: the caller's, plus an Event's payload and the Event."""
        if event is None:
            return _EMPTY_CONTEXT if context is None else MappingProxyType(context)  # type: ignore[arg-type]
        merged = dict(context) if context is not None else {}
        merged.update(event.payload)
        merged[EVENT_KEY] = event
        return MappingProxyType(merged)

    # ----------------------------------------------------------------------------- algorithm

    def start(
        self, state: str, trigger: str | Event, context: Mapping[str, Any] | None, trace: Trace | None = None
    ) -> Outcome:
        """The result, or a generator (of guard awaitables) that returns it.

        With ``trace``, memoised results are bypassed and the steps taken are recorded in it.
        """
        if type(trigger) is str and self._plain_triggers:
            name, event = trigger, None
        else:
            name, event = self.trigger_name(trigger)
        node = self.machine.states.get(state)
        atoms = node.default if node is not None else self.atoms(state)
        single = atoms[0] if len(atoms) == 1 else None
        leaf = single if single is node else None
        if trace is None:
            known = leaf.static_results.get(name) if leaf is not None else self._results.get((state, name))
            if known is not None:
                return known
        if single is None or single.is_terminal or name not in single.table:
            refused = self._refusal(state, name, atoms, single)
            if refused is not None:
                return refused
        call = Call(state, name, atoms, leaf, self.guard_context(context, event), trace)
        validator = self.machine.validator
        if validator is not None:
            problems = list(validator(call.ctx))
            if problems:
                error = ContextValidationError(
                    f"context is invalid for {name!r} in {state!r}: " + "; ".join(problems),
                    validation_errors=problems,
                )
                return call.fail("context_validation", error, validation_errors=problems)
        if single is None:
            return self._select_all(call)
        candidates = single.table[name]
        try:
            outcome = first_enabled(candidates, single, call.ctx, call)
        except GuardAbort as abort:
            return _aborted(call, abort)
        if type(outcome) is Pending:
            return self._resume(call, candidates, outcome)
        return self._chosen(call, outcome)  # type: ignore[arg-type]

    def eventless(self, state: str, context: Mapping[str, Any] | None) -> Outcome | None:
        """Take the eventless (``auto``) transitions enabled in ``state`` (trigger ``"__auto__"``);
        None when there are none (used by when-routing)."""
        atoms = self.atoms(state)
        if not any(atom.auto for atom in atoms) or (len(atoms) == 1 and atoms[0].is_terminal):
            return None
        call = Call(state, AUTO_TRIGGER, atoms, None, self.guard_context(context, None), None)
        return self._eventless(call)

    def _eventless(self, call: Call) -> Generator[Any, Any, TransitionResult | None]:
        try:
            yield from select(call.atoms, None, call.ctx, call)
        except GuardAbort as abort:
            return _aborted(call, abort)
        if not call.candidates:
            return None
        return (yield from _finish(self._proceed(call, tuple(call.candidates))))

    def _refusal(
        self, state: str, name: str, atoms: tuple[Node, ...], single: Node | None
    ) -> TransitionResult | None:
        if single is not None:
            if single.is_terminal:
                error = TerminalStateError(
                    f"state {state!r} is terminal: no event is accepted", current_state=state, trigger=name
                )
                return failure(state, name, "terminal_state", error)
            if name in single.table:
                return None
        elif any(name in atom.table for atom in atoms):
            return None
        machine = self.machine
        if is_timer_trigger(name):
            return no_op(state, name, "stale_timer")
        undefined = name not in machine.triggers
        reason = "undefined_trigger" if undefined else "invalid_transition"
        if not machine.reject_invalid_events:
            return no_op(state, name, reason)
        if undefined:
            error_: InvalidTransitionError = UndefinedTriggerError(
                f"trigger {name!r} is not defined in this machine", current_state=state, trigger=name
            )
        else:
            error_ = InvalidTransitionError(
                f"no transition for trigger {name!r} from state {state!r}", current_state=state, trigger=name
            )
        return failure(state, name, reason, error_)

    def _resume(self, call: Call, candidates: tuple[Candidate, ...], pending: Pending) -> Steps:
        """Finish single-atom selection after a guard answered with an awaitable."""
        atom = call.atoms[0]
        outcome: Candidate | Pending | None = pending
        try:
            while type(outcome) is Pending:
                verdict = yield from resolve(outcome)
                outcome = first_enabled(candidates, atom, call.ctx, call, (outcome, verdict))
        except GuardAbort as abort:
            return _aborted(call, abort)
        return (yield from _finish(self._chosen(call, outcome)))  # type: ignore[arg-type]

    def _select_all(self, call: Call) -> Steps:
        """Selection over several atoms (a parallel configuration)."""
        try:
            yield from select(call.atoms, call.name, call.ctx, call)
        except GuardAbort as abort:
            return _aborted(call, abort)
        if not call.candidates:
            return _rejected(call)
        return (yield from _finish(self._proceed(call, tuple(call.candidates))))

    def _chosen(self, call: Call, candidate: Candidate | None) -> Outcome:
        if candidate is None:
            return _rejected(call)
        leaf = call.leaf
        if leaf is not None and call.trace is None and not self._settles:
            known = candidate.results.get(leaf)
            if known is not None:
                return known
        return self._proceed(call, (candidate,))

    def _proceed(self, call: Call, chosen: tuple[Candidate, ...]) -> Outcome:
        steps = [self._step(call.atoms, chosen, call)]
        if self._settles:
            return self._settle_then_result(call, chosen, steps)
        return self._result(call, chosen, steps, [])

    def _settle_then_result(self, call: Call, chosen: tuple[Candidate, ...], steps: list[Step]) -> Steps:
        completed: list[str] = []
        try:
            refusal = yield from self._settle(call, steps, completed)
        except GuardAbort as abort:
            return _aborted(call, abort)
        if refusal is not None:
            return call.fail(*refusal)
        return self._result(call, chosen, steps, completed)

    def _step(self, atoms: tuple[Node, ...], candidates: tuple[Candidate, ...], call: Call) -> Step:
        machine = self.machine
        single = len(atoms) == 1 and len(candidates) == 1
        if single:
            known: Step | None = candidates[0].steps.get(atoms[0])
            if known is not None:
                return known
        if any(c.transition.history is not None for c in candidates):
            call.history_read = True
            records = call.ctx.get(HISTORY_KEY)
            records = records if isinstance(records, Mapping) else None
            return microstep(atoms, candidates, machine.states, machine.history_parents, records)
        key = (atoms, candidates)
        step = None if single else self._steps.get(key)
        if step is None:
            step = microstep(atoms, candidates, machine.states, machine.history_parents, None)
            if single:
                candidates[0].steps[atoms[0]] = step
            else:
                _remember(self._steps, key, step)
        return step

    def _settle(self, call: Call, steps: list[Step], completed: list[str]) -> Generator[Any, Any, Any]:
        """Follow eventless steps until the configuration is stable; a refusal is (reason, error)."""
        machine = self.machine
        previous, atoms = call.atoms, steps[-1].atoms
        for _ in range(MAX_STEPS):
            chosen: tuple[Candidate, ...] = ()
            if machine.has_choices and any(a.is_choice for a in atoms):
                chosen = yield from self._leave_choices(call, atoms)
                if not chosen:
                    return self._choice_refusal(call, atoms)
            if not chosen and machine.joins:
                chosen = yield from self._join(call, previous, atoms, completed)
            if not chosen and machine.has_auto:
                found = Selection()
                yield from select(atoms, None, call.ctx, found)
                call.evaluated = call.evaluated or found.evaluated
                chosen = tuple(found.candidates)
            if not chosen:
                return None
            step = self._step(atoms, chosen, call)
            steps.append(step)
            previous, atoms = atoms, step.atoms
        error = InvalidTransitionError(
            f"eventless transitions did not settle after {MAX_STEPS} steps (a cycle of auto transitions?)"
        )
        return ("eventless_loop", error)

    def _leave_choices(self, call: Call, atoms: tuple[Node, ...]) -> Generator[Any, Any, Any]:
        """The first passing branch of every choice state in ``atoms``; () when one has none."""
        branches = []
        call.evaluated = True
        for choice in (a for a in atoms if a.is_choice):
            found = Selection()
            candidate = yield from select_one(choice.branches, choice, call.ctx, found)
            if candidate is None:
                call.rejected = found.rejected
                return ()
            branches.append(candidate)
        return tuple(branches)

    @staticmethod
    def _choice_refusal(call: Call, atoms: tuple[Node, ...]) -> tuple[str, GuardRejectedError]:
        choice = next(a for a in atoms if a.is_choice)
        rejected = call.rejected or []
        error = GuardRejectedError(
            f"no branch of choice state {choice.name!r} passed its guards",
            guard_name=rejected[0] if rejected else "",
            current_state=call.state,
            trigger=call.name,
            guards_failed=rejected,
        )
        return ("no_choice_branch", error)

    def _join(
        self, call: Call, previous: tuple[Node, ...], atoms: tuple[Node, ...], completed: list[str]
    ) -> Generator[Any, Any, Any]:
        """Raise the completion event of each parallel state that has just completed."""
        for parallel in self.machine.joins:
            if _complete(parallel, atoms) and not _complete(parallel, previous):
                completed.append(parallel.name)
                found = Selection()
                yield from select(atoms, completion_trigger(parallel.name), call.ctx, found)
                call.evaluated = call.evaluated or found.evaluated
                if found.candidates:
                    return tuple(found.candidates)
        return ()

    def _result(
        self, call: Call, chosen: tuple[Candidate, ...], steps: list[Step], completed: list[str]
    ) -> TransitionResult:
        state, name, atoms, leaf = call.state, call.name, call.atoms, call.leaf
        if call.trace is not None:
            call.trace.start_atoms, call.trace.steps, call.trace.completed = atoms, steps, completed
        if call.history_read or len(steps) != 1:
            return success(state, name, steps, atoms, completed)
        if not call.evaluated and self.machine.validator is None:
            result = success(state, name, steps, atoms, completed)
            if leaf is not None:
                leaf.static_results[name] = result
            else:
                _remember(self._results, (state, name), result)
            return result
        if leaf is not None and len(chosen) == 1:
            known = chosen[0].results.get(leaf)
            if known is None:
                known = chosen[0].results[leaf] = success(state, name, steps, atoms, completed)
            return known
        key = (state, name, chosen)
        cached = self._results.get(key)
        if cached is None:
            cached = success(state, name, steps, atoms, completed)
            _remember(self._results, key, cached)
        return cached


def _finish(outcome: Outcome) -> Steps:
    """Continue with a generator outcome inside another generator."""
    if type(outcome) is TransitionResult:
        return outcome
    return (yield from outcome)  # type: ignore[misc]


def _complete(parallel: Node, atoms: tuple[Node, ...]) -> bool:
    for region in parallel.regions:
        final = region.final
        if final is None:
            return False
        if not any(atom is final or final in atom.ancestor_set for atom in atoms):
            return False
    return True


def _rejected(call: Call) -> TransitionResult:
    rejected = call.rejected or []
    first = rejected[0] if rejected else ""
    error = GuardRejectedError(
        f"guard {first!r} rejected {call.name!r} from {call.state!r}",
        guard_name=first,
        current_state=call.state,
        trigger=call.name,
        guards_failed=rejected,
    )
    return call.fail("guard_rejected", error, guard_name=first, guards_failed=list(rejected))


def _aborted(call: Call, abort: GuardAbort) -> TransitionResult:
    error = abort.error
    reason = "guard_not_found" if isinstance(error, GuardNotFoundError) else "guard_error"
    error.context.setdefault("current_state", call.state)
    error.context.setdefault("trigger", call.name)
    return call.fail(reason, error, guard_name=abort.label)


def _remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[key] = value

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

from pystator.engine.call import Call, Trace
from pystator.engine.compiled import CompiledMachine
from pystator.engine.microstep import Step, microstep
from pystator.engine.nodes import Candidate, Node, PendingTable
from pystator.engine.parallel import parse_configuration
from pystator.engine.refusals import aborted, rejected, terminal, unhandled
from pystator.engine.reserved import EVENT_KEY, HISTORY_KEY, is_timer_trigger
from pystator.engine.results import success
from pystator.engine.selection import GuardAbort, Pending, first_enabled, resolve, select
from pystator.engine.settle import MAX_STEPS, settle
from pystator.errors import ContextValidationError
from pystator.event import Event
from pystator.result import TransitionResult

__all__ = ["AUTO_TRIGGER", "MAX_STEPS", "Call", "Kernel", "Outcome", "Trace"]

AUTO_TRIGGER = "__auto__"
_CACHE_LIMIT = 4096
_EMPTY_CONTEXT: Mapping[str, Any] = MappingProxyType({})

Steps = Generator[Any, Any, TransitionResult]
Outcome = TransitionResult | Steps


class Kernel:
    def __init__(self, machine: CompiledMachine) -> None:
        self.machine = machine
        self._plain_triggers = machine.normalizer is None
        self._settles = bool(machine.has_choices or machine.joins or machine.has_auto)
        self._quick = not self._settles and machine.validator is None and machine.normalizer is None
        self._parsed: dict[str, tuple[Node, ...]] = {}
        self._steps: dict[tuple[Any, ...], Step] = {}
        self._results: dict[tuple[Any, ...], TransitionResult] = {}

    def forget(self) -> None:
        """Drop every memoised result, step and parsed configuration (they are rebuilt on use)."""
        self._parsed.clear()
        self._steps.clear()
        self._results.clear()
        for node in self.machine.states.values():
            node.static_results.clear()
            if isinstance(node.table, PendingTable):
                continue  # never built, nothing memoised
            for candidates in node.table.values():
                for candidate in candidates:
                    candidate.results.clear()
                    candidate.steps.clear()

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
            return _EMPTY_CONTEXT if context is None else MappingProxyType(context)
        merged = dict(context) if context is not None else {}
        merged.update(event.payload)
        merged[EVENT_KEY] = event
        return MappingProxyType(merged)

    # ----------------------------------------------------------------------------- algorithm

    def quick(self, leaf: Node, name: str, context: Mapping[str, Any] | None) -> TransitionResult | None:
        """The memoised result for ``leaf`` when its first enabled candidate is decided by pure
        guards (``expr:`` / ``check:``) alone; None sends the caller to ``start``.

        A shortcut of ``start`` for the common guarded case, not a second algorithm: it only
        returns results ``start`` computed and memoised before, and defers everything else
        (rejections, errors, registered guards, validation, eventless steps) to ``start``.
        """
        candidates = leaf.table.get(name)
        if candidates is None or not self._quick:
            return None
        if type(context) is dict:
            ctx: Mapping[str, Any] = context  # pure guards only read: no read-only view needed
        else:
            ctx = _EMPTY_CONTEXT if context is None else MappingProxyType(context)
        for candidate in candidates:
            test = candidate.transition.test
            if test is None:
                return None
            try:
                if not test(ctx):
                    continue
            except Exception:  # ``start`` evaluates the guards again and reports the failure
                return None
            return candidate.results.get(leaf)
        return None

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
        if node is not None:
            atoms = node.default
        else:  # a configuration string: its memo first, parsing (even from the parse memo) costs more
            known = self._results.get((state, name)) if trace is None else None
            if known is not None:
                return known
            atoms = self.atoms(state)
        single = atoms[0] if len(atoms) == 1 else None
        leaf = single if single is node else None
        if trace is None and node is not None:
            known = leaf.static_results.get(name) if leaf is not None else self._results.get((state, name))
            if known is not None:
                return known
        if single is None or single.is_terminal or name not in single.table:
            refused = self._refusal(state, name, atoms, single)
            if refused is not None:
                return refused
        call = Call(state, name, atoms, leaf=leaf, ctx=self.guard_context(context, event), trace=trace)
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
        return self._select_one(call, single)

    def eventless(
        self, state: str, context: Mapping[str, Any] | None
    ) -> Generator[Any, Any, TransitionResult | None] | None:
        """Take the eventless (``auto``) transitions enabled in ``state`` (trigger ``"__auto__"``);
        None when there are none (used by when-routing)."""
        atoms = self.atoms(state)
        if not any(atom.auto for atom in atoms) or (len(atoms) == 1 and atoms[0].is_terminal):
            return None
        call = Call(state, AUTO_TRIGGER, atoms, leaf=None, ctx=self.guard_context(context, None), trace=None)
        return self._eventless(call)

    def _eventless(self, call: Call) -> Generator[Any, Any, TransitionResult | None]:
        try:
            yield from select(call.atoms, None, call.ctx, call)
        except GuardAbort as abort:
            return aborted(call, abort)
        if not call.candidates:
            return None
        return (yield from _finish(self._proceed(call, tuple(call.candidates))))

    def _refusal(
        self, state: str, name: str, atoms: tuple[Node, ...], single: Node | None
    ) -> TransitionResult | None:
        if single is not None:
            if single.is_terminal:
                return terminal(state, name)
            if name in single.table:
                return None
        elif any(name in atom.table for atom in atoms):
            return None
        return unhandled(self.machine, state, name)

    def _select_one(self, call: Call, atom: Node) -> Outcome:
        """Selection in a single atom (a leaf state)."""
        candidates = atom.table[call.name]
        try:
            outcome = first_enabled(candidates, atom, call.ctx, call)
        except GuardAbort as abort:
            return aborted(call, abort)
        if type(outcome) is Pending:
            return self._resume(call, candidates, outcome)
        return self._chosen(call, outcome)  # type: ignore[arg-type]

    def _resume(self, call: Call, candidates: tuple[Candidate, ...], pending: Pending) -> Steps:
        """Finish single-atom selection after a guard answered with an awaitable."""
        atom = call.atoms[0]
        outcome: Candidate | Pending | None = pending
        try:
            while type(outcome) is Pending:
                verdict = yield from resolve(outcome)
                outcome = first_enabled(candidates, atom, call.ctx, call, (outcome, verdict))
        except GuardAbort as abort:
            return aborted(call, abort)
        return (yield from _finish(self._chosen(call, outcome)))  # type: ignore[arg-type]

    def _select_all(self, call: Call) -> Steps:
        """Selection over several atoms (a parallel configuration)."""
        try:
            yield from select(call.atoms, call.name, call.ctx, call)
        except GuardAbort as abort:
            return aborted(call, abort)
        if not call.candidates:
            return self._nothing_enabled(call)
        return (yield from _finish(self._proceed(call, tuple(call.candidates))))

    def _chosen(self, call: Call, candidate: Candidate | None) -> Outcome:
        if candidate is None:
            return self._nothing_enabled(call)
        leaf = call.leaf
        if leaf is not None and call.trace is None and not self._settles:
            known = candidate.results.get(leaf)
            if known is not None:
                return known
        return self._proceed(call, (candidate,))

    def _nothing_enabled(self, call: Call) -> TransitionResult:
        """Guards rejected every candidate, or none applied (all scoped to other regions)."""
        if call.rejected:
            return rejected(call)
        return unhandled(self.machine, call.state, call.name)

    def _proceed(self, call: Call, chosen: tuple[Candidate, ...]) -> Outcome:
        steps = [self._step(call.atoms, chosen, call)]
        if self._settles:
            return self._settle_then_result(call, chosen, steps)
        return self._result(call, chosen, steps, [])

    def _settle_then_result(self, call: Call, chosen: tuple[Candidate, ...], steps: list[Step]) -> Steps:
        completed: list[str] = []
        try:
            refusal = yield from settle(self.machine, call, steps, completed, self._step)
        except GuardAbort as abort:
            return aborted(call, abort)
        if refusal is not None:
            return refusal
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
    if isinstance(outcome, TransitionResult):
        return outcome
    result: TransitionResult = yield from outcome
    return result


def _remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[key] = value

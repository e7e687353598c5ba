"""Transition selection (SCXML ``selectTransitions``): which enabled transitions an event fires.

For every atom of the configuration, in document order, the candidates are tried innermost source
first and in definition order; the first whose guards all pass is enabled. Among the enabled
transitions, one whose exit set overlaps an earlier one's is dropped unless its source is a
descendant of the earlier one's source (which is then dropped instead).

Guards are evaluated by ``first_enabled``, a plain function: when a guard answers with an awaitable
it returns a ``Pending`` marker instead of a verdict; the kernel (a generator) yields the awaitable to
its driver and resumes ``first_enabled`` where it stopped with the awaited verdict. So the
synchronous path creates no generator per guard, and ``process`` / ``aprocess`` share the algorithm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Generator, Mapping
from typing import Any

from pystator.engine.drivers import AsyncGuardInSyncCall
from pystator.engine.hierarchy import active_states
from pystator.engine.nodes import Candidate, Node
from pystator.errors import ErrorCode, FSMError

__all__ = [
    "GuardAbort",
    "Pending",
    "Selection",
    "exit_set",
    "first_enabled",
    "remove_conflicts",
    "resolve",
    "select",
    "select_one",
]

Steps = Generator[Any, Any, Any]


class GuardAbort(Exception):
    """A guard could not decide: an unregistered name in strict mode, or an expression error."""

    def __init__(self, label: str, error: FSMError) -> None:
        super().__init__(label)
        self.label = label
        self.error = error


class Selection:
    """What selection found: the chosen candidates and the guards that rejected on the way; the
    kernel also uses it as the per-call record of what the result depended on."""

    __slots__ = ("candidates", "evaluated", "history_read", "rejected")

    def __init__(self) -> None:
        self.candidates: list[Candidate] = []
        self.rejected: list[str] | None = None  # first failing guard of each rejected candidate
        self.evaluated = False  # at least one guard ran: the outcome depends on the context
        self.history_read = False  # a history target read the caller's records

    def reject(self, label: str) -> None:
        if self.rejected is None:
            self.rejected = [label]
        else:
            self.rejected.append(label)


class Pending:
    """A guard answered with an awaitable: where ``first_enabled`` stopped, and what to await."""

    __slots__ = ("awaitable", "candidate_index", "guard_index", "label")

    def __init__(self, awaitable: Awaitable[Any], candidate_index: int, guard_index: int, label: str) -> None:
        self.awaitable = awaitable
        self.candidate_index = candidate_index
        self.guard_index = guard_index
        self.label = label


def first_enabled(
    candidates: tuple[Candidate, ...],
    atom: Node,
    ctx: Mapping[str, Any],
    found: Selection,
    resume: tuple[Pending, bool] | None = None,
) -> Candidate | Pending | None:
    """The first candidate (for ``atom``) whose guards all pass, None, or a ``Pending`` verdict.

    ``resume`` continues after a ``Pending``: the awaited verdict of the guard it stopped at.
    """
    start = 0
    if resume is not None:
        pending, verdict = resume
        start = pending.candidate_index
        if not verdict:
            found.reject(pending.label)
            start += 1
        else:
            outcome = _check_guards(candidates[start], start, pending.guard_index + 1, ctx, found)
            if outcome is not None:
                return outcome
            start += 1
    for index in range(start, len(candidates)):
        candidate = candidates[index]
        transition = candidate.transition
        if transition.region is not None and transition.region not in atom.ancestor_set:
            continue
        if not transition.guards:
            return candidate
        outcome = _check_guards(candidate, index, 0, ctx, found)
        if outcome is not None:
            return outcome
    return None


def _check_guards(
    candidate: Candidate, index: int, first: int, ctx: Mapping[str, Any], found: Selection
) -> Candidate | Pending | None:
    """``candidate`` when its guards from ``first`` on pass, None when one rejects, or a Pending."""
    found.evaluated = True
    guards = candidate.transition.guards
    for guard_index in range(first, len(guards)):
        guard = guards[guard_index]
        try:
            verdict = guard(ctx)
        except FSMError as exc:
            raise GuardAbort(guard.label, exc) from exc
        if verdict is True:
            continue
        if verdict is False:
            found.reject(guard.label)
            return None
        return Pending(verdict, index, guard_index, guard.label)
    return candidate


def resolve(pending: Pending) -> Steps:
    """Yield a pending guard's awaitable to the driver; return its verdict (a generator)."""
    try:
        return bool((yield pending.awaitable))
    except AsyncGuardInSyncCall:
        raise FSMError(
            f"guard {pending.label!r} is async: use aprocess() (process() accepts sync guards only)",
            code=ErrorCode.CONFIG,
        ) from None
    except FSMError as exc:
        raise GuardAbort(pending.label, exc) from exc


def select_one(
    candidates: tuple[Candidate, ...], atom: Node, ctx: Mapping[str, Any], found: Selection
) -> Steps:
    """``first_enabled`` driven to a verdict, awaiting through the driver when needed."""
    outcome = first_enabled(candidates, atom, ctx, found)
    while type(outcome) is Pending:
        verdict = yield from resolve(outcome)
        outcome = first_enabled(candidates, atom, ctx, found, (outcome, verdict))
    return outcome


def select(atoms: tuple[Node, ...], key: str | None, ctx: Mapping[str, Any], found: Selection) -> Steps:
    """Select for an event (``key`` a trigger) or for eventless transitions (``key`` None)."""
    chosen = found.candidates
    for atom in atoms:
        candidates = atom.table.get(key, ()) if key is not None else atom.auto
        if not candidates:
            continue
        if chosen and _already_chosen(candidates, chosen, atom):
            continue
        candidate = yield from select_one(candidates, atom, ctx, found)
        if candidate is not None and all(c.transition is not candidate.transition for c in chosen):
            chosen.append(candidate)
    if len(chosen) > 1:
        found.candidates = remove_conflicts(chosen, atoms)
    return found


def _already_chosen(candidates: tuple[Candidate, ...], chosen: list[Candidate], atom: Node) -> bool:
    """True when the first candidate of this atom is a transition already chosen from another atom.

    Guards are pure, so a transition enabled from one atom is enabled from every atom it applies to.
    """
    first = next(
        (c for c in candidates if c.transition.region is None or c.transition.region in atom.ancestor_set),
        None,
    )
    return first is not None and any(c.transition is first.transition for c in chosen)


def exit_set(candidate: Candidate, active: set[Node]) -> set[Node]:
    if candidate.stays:
        return set()
    domain = candidate.domain
    return {state for state in active if state.is_descendant_of(domain)}


def remove_conflicts(chosen: list[Candidate], atoms: tuple[Node, ...]) -> list[Candidate]:
    active = active_states(atoms)
    kept: list[tuple[Candidate, set[Node]]] = []
    for candidate in chosen:
        exits = exit_set(candidate, active)
        preempted = False
        dropped: list[tuple[Candidate, set[Node]]] = []
        for other in kept:
            if exits & other[1]:
                if candidate.source.is_descendant_of(other[0].source):
                    dropped.append(other)
                else:
                    preempted = True
                    break
        if not preempted:
            kept = [k for k in kept if k not in dropped]
            kept.append((candidate, exits))
    return [k[0] for k in kept]

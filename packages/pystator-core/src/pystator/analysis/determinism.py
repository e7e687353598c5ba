"""Determinism and coverage of ``check:`` guards, beyond lint.

For each state and event, the transitions that compete (same source state, same trigger, timer or
eventless step) are examined when every guard they carry is a ``check:`` entry (or ``allOf`` /
``anyOf`` / ``not`` of them; no guard at all counts as always true). A check compares one context
field with constants, so its truth only changes at those constants: trying, for each field, every
constant, a value on each side of it, a value equal to none of them and the field missing covers
every combination of outcomes. Each combination is evaluated with the engine's own check
predicates (``pystator.conditions``), so the findings hold exactly, and each comes with witness
values:

- an **overlap**: two competing transitions that both pass for the witness context (the engine
  takes the first in definition order; the second silently loses);
- a transition that **never fires** from a state: its guards are unsatisfiable, or every context
  that passes it passes an earlier competitor too (shadowed).

Groups using ``expr:`` or registered guard names are not analysed and are listed as skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pystator.conditions import compile_check

if TYPE_CHECKING:
    from pystator.engine.views import TransitionInfo
    from pystator.machine import StateMachine

__all__ = ["DeadTransition", "DeterminismReport", "Overlap", "SkippedGroup", "analyse_determinism"]

DEFAULT_MAX_COMBINATIONS = 200_000
_FRESH = "\u2400unmatched"  # a string no check compares against
_MISSING = object()

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Overlap:
    """Transitions ``first`` and ``second`` (indexes, ``first`` earlier) both pass from ``source``
    on ``event`` for the ``witness`` context (fields absent from it are missing)."""

    source: str
    event: str
    first: int
    second: int
    witness: Mapping[str, Any]

    @property
    def context(self) -> dict[str, Any]:
        """The witness as a context (dotted field paths nested), ready for ``process``."""
        return _nested(self.witness)


@dataclass(frozen=True)
class DeadTransition:
    """Transition ``index`` never fires from ``source`` on ``event``: ``unsatisfiable`` guards, or
    ``shadowed`` by the earlier competitors ``shadowed_by``."""

    index: int
    source: str
    event: str
    reason: Literal["unsatisfiable", "shadowed"]
    shadowed_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class SkippedGroup:
    """Competing transitions not analysed: a guard is not a ``check:`` (``reason`` says which), or
    the fields have too many value combinations."""

    source: str
    event: str
    transitions: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class DeterminismReport:
    overlaps: list[Overlap] = field(default_factory=list)
    dead: list[DeadTransition] = field(default_factory=list)
    skipped: list[SkippedGroup] = field(default_factory=list)

    @property
    def deterministic(self) -> bool:
        """No overlap and no dead transition among the analysed groups."""
        return not self.overlaps and not self.dead


@dataclass(frozen=True)
class _Compiled:
    info: TransitionInfo
    predicate: Predicate
    domains: dict[str, list[Any]]


def analyse_determinism(
    machine: StateMachine, *, max_combinations: int = DEFAULT_MAX_COMBINATIONS
) -> DeterminismReport:
    """Overlapping and never-firing transitions among those guarded by ``check:`` entries only."""
    report = DeterminismReport()
    for (source, event), members in _groups(machine).items():
        compiled: list[_Compiled] = []
        for info in members:
            entry = _compile(info)
            if isinstance(entry, str):
                report.skipped.append(SkippedGroup(source, event, tuple(m.index for m in members), entry))
                break
            compiled.append(entry)
        else:
            _analyse(source, event, compiled, report, max_combinations)
    return report


def _groups(machine: StateMachine) -> dict[tuple[str, str], list[TransitionInfo]]:
    groups: dict[tuple[str, str], list[TransitionInfo]] = {}
    for info in machine.transitions:
        events = []
        if info.trigger is not None:
            events.append(info.trigger)
        if info.after_ms is not None:
            events.append(f"after {info.after_ms}ms")
        if info.trigger is None and info.after_ms is None:
            events.append("(eventless)")
        for source in info.source:
            for event in events:
                key = (source, event if not event.startswith("after ") else f"{event} in {source}")
                groups.setdefault(key, []).append(info)
    return {key: sorted(members, key=lambda i: i.index) for key, members in groups.items()}


def _compile(info: TransitionInfo) -> _Compiled | str:
    definition = info.definition
    domains: dict[str, list[Any]] = {}
    predicates: list[Predicate] = []
    for guard in getattr(definition, "guards", None) or []:
        predicate = _guard_predicate(guard, domains)
        if isinstance(predicate, str):
            return f"transition {info.index}: {predicate}"
        predicates.append(predicate)
    return _Compiled(info, lambda context: all(p(context) for p in predicates), domains)


def _guard_predicate(guard: Any, domains: dict[str, list[Any]]) -> Predicate | str:
    if isinstance(guard, str):
        return f"guard {guard!r} is a registered name"
    check = getattr(guard, "check", None)
    if check is not None:
        domains.setdefault(check.field, []).extend(_constants(check))
        return compile_check(check)
    if hasattr(guard, "expr"):
        return f"guard 'expr: {guard.expr}' is an expression"
    for attribute, combine in (("all_of", all), ("any_of", any)):
        entries = getattr(guard, attribute, None)
        if entries is not None:
            parts = [_guard_predicate(entry, domains) for entry in entries]
            failed = next((p for p in parts if isinstance(p, str)), None)
            if failed is not None:
                return failed
            return _combined(combine, [p for p in parts if not isinstance(p, str)])
    inner = getattr(guard, "not_", None)
    if inner is not None:
        part = _guard_predicate(inner, domains)
        if isinstance(part, str):
            return part
        return _negated(part)
    return f"guard {guard!r} is not understood"


def _combined(combine: Callable[[Iterator[bool]], bool], children: list[Predicate]) -> Predicate:
    return lambda context: combine(child(context) for child in children)


def _negated(predicate: Predicate) -> Predicate:
    return lambda context: not predicate(context)


def _constants(check: Any) -> list[Any]:
    if check.op in {"in", "not_in"}:
        return list(check.values or [])
    if check.op in {"is_set", "is_null"}:
        return []
    return [check.value]


def _candidates(constants: Sequence[Any]) -> list[Any]:
    """Values of one field covering every outcome of the checks on it: each constant, a number
    on each side of numeric ones, a value equal to none, a boolean of each kind, and missing."""
    values: list[Any] = [_MISSING]
    numbers = sorted({c for c in constants if isinstance(c, int | float) and not isinstance(c, bool)})
    for constant in constants:
        if constant not in values:
            values.append(constant)
    for low, high in itertools.pairwise(numbers):
        values.append((low + high) / 2)
    if numbers:
        values += [numbers[0] - 1, numbers[-1] + 1]
    if any(isinstance(c, bool) for c in constants):
        values += [v for v in (True, False) if v not in values]
    if any(isinstance(c, str) for c in constants) or not numbers:
        values.append(_FRESH)
    return values


def _contexts(domains: Mapping[str, list[Any]]) -> Iterator[dict[str, Any]]:
    fields = sorted(domains)
    for combination in itertools.product(*(_candidates(domains[f]) for f in fields)):
        yield {f: v for f, v in zip(fields, combination, strict=True) if v is not _MISSING}


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        target = context
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return context


def _analyse(
    source: str, event: str, group: list[_Compiled], report: DeterminismReport, max_combinations: int
) -> None:
    domains: dict[str, list[Any]] = {}
    for member in group:
        for name, constants in member.domains.items():
            domains.setdefault(name, []).extend(constants)
    size = 1
    for constants in domains.values():
        size *= len(_candidates(constants))
    if size > max_combinations:
        too_many = (
            f"{size} value combinations over {len(domains)} fields (max_combinations={max_combinations})"
        )
        report.skipped.append(SkippedGroup(source, event, tuple(m.info.index for m in group), too_many))
        return
    fired = [False] * len(group)
    overlaps: dict[tuple[int, int], dict[str, Any]] = {}
    for flat in _contexts(domains):
        context = _nested(flat)
        passing = [position for position, member in enumerate(group) if member.predicate(context)]
        if passing:
            fired[passing[0]] = True
        for first, second in itertools.combinations(passing, 2):
            overlaps.setdefault((first, second), flat)
    for (first, second), witness in sorted(overlaps.items()):
        report.overlaps.append(
            Overlap(source, event, group[first].info.index, group[second].info.index, witness)
        )
    for position, member in enumerate(group):
        if fired[position]:
            continue
        blockers = tuple(sorted({group[f].info.index for f, s in overlaps if s == position}))
        reason: Literal["unsatisfiable", "shadowed"] = "shadowed" if blockers else "unsatisfiable"
        report.dead.append(DeadTransition(member.info.index, source, event, reason, blockers))

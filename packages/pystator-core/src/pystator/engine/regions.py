"""Per-transition results for ``process_parallel``: one ``TransitionResult`` per transition fired.

A transition that stays inside one region of the outermost parallel state reports that region's
stored value before and after (``metadata["region"]`` names the region); a transition that leaves
or re-enters the parallel state reports the whole configuration before and after.
"""

from __future__ import annotations

from collections.abc import Mapping

from pystator.engine.frozen import FrozenDict
from pystator.engine.kernel import Trace
from pystator.engine.microstep import microstep
from pystator.engine.nodes import Candidate, Node
from pystator.engine.parallel import format_atoms
from pystator.engine.results import EMPTY
from pystator.result import TransitionResult

__all__ = ["region_results"]


def region_results(
    outcome: TransitionResult,
    trace: Trace,
    states: Mapping[str, Node],
    history_parents: frozenset[Node],
    records: object,
) -> list[TransitionResult]:
    if not trace.steps:
        return [outcome]
    trigger = outcome.trigger
    results: list[TransitionResult] = []
    before = trace.start_atoms
    history = records if isinstance(records, Mapping) else None
    for step in trace.steps:
        for candidate in step.candidates:
            single = microstep(before, (candidate,), states, history_parents, history)
            region = _region_scope(candidate, before)
            if region is not None:
                source = _group(before, region)
                target = _group(single.atoms, region)
                metadata: Mapping[str, object] = FrozenDict(region=region.name)
            else:
                source, target, metadata = format_atoms(before), single.value, EMPTY
            results.append(
                TransitionResult(
                    success=True,
                    source_state=source,
                    target_state=target,
                    trigger=trigger,
                    on_exit_actions=single.exit_actions,
                    actions_to_execute=single.transition_actions,
                    on_enter_actions=single.enter_actions,
                    metadata=metadata,
                    timers_to_start=single.timers_to_start,
                    timers_to_cancel=single.timers_to_cancel,
                    history_updates=FrozenDict(single.history_updates),
                )
            )
        before = step.atoms
    return results


def _region_scope(candidate: Candidate, atoms: tuple[Node, ...]) -> Node | None:
    """The region of the outermost parallel state that contains the whole transition, if any."""
    if candidate.stays:
        node: Node | None = candidate.source
    else:
        node = candidate.domain
    if node is None:
        return None
    outer = _outermost_parallel(atoms)
    if outer is None:
        return None
    for region in outer.regions:
        if node is region or region in node.ancestor_set:
            return region
    return None


def _outermost_parallel(atoms: tuple[Node, ...]) -> Node | None:
    for ancestor in reversed(atoms[0].ancestors):
        if ancestor.is_parallel and all(ancestor in a.ancestor_set for a in atoms):
            return ancestor
    return None


def _group(atoms: tuple[Node, ...], region: Node) -> str:
    return format_atoms(tuple(a for a in atoms if region in a.ancestor_set))

"""Model-based test cases from a machine's event paths, for ``pytest.mark.parametrize``.

```python
cases = generate_path_cases(machine)

@pytest.mark.parametrize("case", cases, ids=str)
def test_path(case):
    replay_path(machine, case)          # or drive your own system with case.steps
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pystator.analysis.paths import EventPath, PathStep, shortest_paths, simple_paths, transition_paths
from pystator.engine import merge_history

if TYPE_CHECKING:
    from pystator.machine import StateMachine
    from pystator.result import TransitionResult

__all__ = ["PathCase", "PathKind", "generate_path_cases", "replay_path"]

PathKind = Literal["states", "transitions", "simple"]


@dataclass(frozen=True)
class PathCase:
    """One test case: send ``steps`` in order from ``path.initial``; expect ``path.target``."""

    id: str
    path: EventPath

    @property
    def steps(self) -> tuple[PathStep, ...]:
        return self.path.steps

    @property
    def expected_state(self) -> str:
        return self.path.target

    def __str__(self) -> str:
        return self.id


def generate_path_cases(
    machine: StateMachine,
    *,
    kind: PathKind = "states",
    context: Mapping[str, Any] | None = None,
    events: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    max_depth: int = 32,
) -> list[PathCase]:
    """Test cases covering the machine: ``"states"`` one shortest path per reachable configuration,
    ``"transitions"`` one per transition that can be taken, ``"simple"`` every simple path.
    Ids read ``to:<state>``, ``transition:<index>:<trigger>`` or ``path:<triggers>``."""
    options: dict[str, Any] = {"context": context, "events": events, "max_depth": max_depth}
    if kind == "states":
        return [PathCase(f"to:{state}", path) for state, path in shortest_paths(machine, **options).items()]
    if kind == "transitions":
        by_index = {info.index: info for info in machine.transitions}
        found = transition_paths(machine, **options)
        return [
            PathCase(f"transition:{index}:{by_index[index].trigger or 'eventless'}", found[index])
            for index in sorted(found)
        ]
    if kind == "simple":
        cases: list[PathCase] = []
        for paths in simple_paths(machine, **options).values():
            cases += [
                PathCase("path:" + ("/".join(p.triggers) or "<start>") + f"->{p.target}", p) for p in paths
            ]
        return cases
    raise ValueError(f"generate_path_cases: kind must be 'states', 'transitions' or 'simple', got {kind!r}")


def replay_path(
    machine: StateMachine, case: PathCase | EventPath, context: Mapping[str, Any] | None = None
) -> list[TransitionResult]:
    """Process the case's steps on ``machine`` (history records carried between steps) and raise
    ``AssertionError`` at the first step that fails or lands elsewhere than the path says."""
    path = case.path if isinstance(case, PathCase) else case
    state, current = path.initial, dict(context or {})
    results: list[TransitionResult] = []
    for number, step in enumerate(path.steps, start=1):
        result = machine.process(state, step.event(), current)
        if not result.success or result.target_state != step.target:
            reason = result.metadata.get("reason", "")
            raise AssertionError(
                f"step {number} ({step.trigger!r} from {state!r}): expected {step.target!r}, "
                f"got {result.target_state!r} {reason}".rstrip()
            )
        results.append(result)
        current = merge_history(current, result)
        state = step.target
    return results

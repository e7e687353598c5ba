"""Analysis of a compiled machine: event paths for model-based testing, and guard determinism."""

from pystator.analysis.determinism import (
    DeadTransition,
    DeterminismReport,
    Overlap,
    SkippedGroup,
    analyse_determinism,
)
from pystator.analysis.paths import (
    EventPath,
    PathStep,
    explore,
    shortest_paths,
    simple_paths,
    transition_paths,
    transitions_taken,
)

__all__ = [
    "DeadTransition",
    "DeterminismReport",
    "Overlap",
    "SkippedGroup",
    "analyse_determinism",
    "EventPath",
    "PathStep",
    "explore",
    "shortest_paths",
    "simple_paths",
    "transition_paths",
    "transitions_taken",
]

"""Validation of machine configurations: every problem at once, each as a readable line.

Two phases, as in the configuration reference:

1. structure (``check_structure``): the Pydantic models, with errors rewritten as
   ``states[3].name: expected a name of lowercase letters ..., got 'Pending'``;
2. semantics (``check_semantics``), on the normalized configuration (submachines flattened, see
   ``pystator_contracts.normalize``): references exist, one initial state, the hierarchy and
   regions are consistent, ... with "did you mean" hints:
   ``transitions[2].dest: unknown state 'fillled' (did you mean 'filled'?)``.

The semantic phase runs only when the structure is valid (it needs the models).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pystator_contracts._render import did_you_mean, format_path, show
from pystator_contracts.graph import MachineGraph
from pystator_contracts.machine import MachineConfig
from pystator_contracts.normalize import Loader, Origins, SubmachineLoadError, normalize
from pystator_contracts.structure import check_structure, format_validation_error
from pystator_contracts.validation._context import ExpressionChecker, RuleContext
from pystator_contracts.validation._expression_rules import MAX_BRANCH_DEPTH, check_expressions
from pystator_contracts.validation._machine_rules import check_machine
from pystator_contracts.validation._state_rules import check_states
from pystator_contracts.validation._transition_rules import check_transitions

__all__ = [
    "MAX_BRANCH_DEPTH",
    "ExpressionChecker",
    "Loader",
    "SubmachineLoadError",
    "ValidationOutcome",
    "check_semantics",
    "check_structure",
    "did_you_mean",
    "format_path",
    "format_validation_error",
    "show",
    "validate_machine",
]


@dataclass(frozen=True)
class ValidationOutcome:
    """``errors`` lists every problem; ``config`` is the normalized configuration once the structure
    is valid (even when semantic problems remain), else None."""

    config: MachineConfig | None
    errors: list[str] = field(default_factory=list)
    origins: Origins | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_semantics(
    config: MachineConfig,
    origins: Origins | None = None,
    *,
    submachine_hosts: frozenset[str] = frozenset(),
    expression_checker: ExpressionChecker | None = None,
) -> list[str]:
    """Every semantic problem of a normalized configuration (see ``validate_machine``).

    ``expression_checker(source, path)`` returns the whole problem line's message for a bad
    expression (``invalid expression 'x >': ...``) or None; by default only syntax is checked.
    """
    ctx = RuleContext(
        config=config,
        graph=MachineGraph(config),
        origins=origins or Origins.plain(config),
        submachine_hosts=submachine_hosts,
        expression_checker=expression_checker,
    )
    check_states(ctx)
    check_transitions(ctx)
    check_machine(ctx)
    check_expressions(ctx)
    return ctx.errors


def validate_machine(
    data: Mapping[str, Any] | MachineConfig,
    *,
    base_path: Path | None = None,
    load: Loader | None = None,
    expression_checker: ExpressionChecker | None = None,
) -> ValidationOutcome:
    """Structure, then normalization, then semantics; every problem of each phase reached.

    ``load`` reads submachine files; ``expression_checker`` replaces the syntax-only expression
    check (see ``check_semantics``)."""
    if isinstance(data, MachineConfig):
        model: MachineConfig = data
    else:
        parsed, problems = check_structure(data)
        if parsed is None:
            return ValidationOutcome(None, problems)
        assert isinstance(parsed, MachineConfig)
        model = parsed
    normalized = normalize(model, base_path=base_path, load=load)
    errors = [
        *normalized.errors,
        *check_semantics(
            normalized.config,
            normalized.origins,
            submachine_hosts=normalized.hosts,
            expression_checker=expression_checker,
        ),
    ]
    return ValidationOutcome(normalized.config, errors, normalized.origins)

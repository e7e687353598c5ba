"""From plain data to the ``MachineConfig`` the engine builds from: structure, normalization
(submachines flattened), semantics; every problem reported at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pystator.config.loading import load_file
from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig
    from pystator_contracts.validation import ValidationOutcome

__all__ = ["load_machine_config", "parse_machine_config", "validate_config", "validation_outcome"]


def parse_machine_config(
    data: Mapping[str, Any] | MachineConfig, *, base_path: str | os.PathLike[str] | None = None
) -> MachineConfig:
    """Validate ``data`` and return the normalized configuration.

    ``base_path`` is the file the data was read from (or its directory): ``submachine`` file
    references resolve against it (the working directory when None). Raises ``ConfigurationError``
    whose ``errors`` lists every problem.
    """
    outcome = validation_outcome(data, base_path)
    if outcome.errors or outcome.config is None:
        raise ConfigurationError("", errors=outcome.errors)
    return outcome.config


def load_machine_config(path: str | os.PathLike[str]) -> MachineConfig:
    """Read, validate and normalize a machine file (YAML, or JSON by its ``.json`` suffix)."""
    return parse_machine_config(load_file(path), base_path=path)


def validate_config(
    config: Mapping[str, Any] | MachineConfig | str | os.PathLike[str], strict: bool = False
) -> list[str]:
    """Every problem of a configuration (a dict, a ``MachineConfig`` or a file path) as readable
    lines such as ``transitions[2].dest: unknown state 'fillled' (did you mean 'filled'?)``;
    empty when it is valid. ``strict=True`` raises ``ConfigurationError`` carrying the list instead.
    """
    try:
        errors = validation_outcome(config).errors
    except ConfigurationError as exc:  # an unreadable file
        if strict:
            raise
        return list(exc.errors)
    if strict and errors:
        raise ConfigurationError("", errors=errors)
    return errors


def validation_outcome(
    config: Mapping[str, Any] | MachineConfig | str | os.PathLike[str],
    base_path: str | os.PathLike[str] | None = None,
) -> ValidationOutcome:
    """The full outcome (normalized config, errors, origins); a path is read first (and an
    unreadable one raises ``ConfigurationError``)."""
    from pathlib import Path

    from pystator_contracts.validation import validate_machine

    data: Mapping[str, Any] | MachineConfig
    if isinstance(config, str | os.PathLike):
        data = load_file(config)
        base_path = config
    else:
        data = config
    return validate_machine(
        data,
        base_path=Path(base_path) if base_path is not None else None,
        load=_load_submachine,
        expression_checker=_expression_problem,
    )


def _expression_problem(source: str, path: str) -> str | None:
    """The expression compiler's verdict, so validation reports what building the machine would."""
    from pystator.errors import ExpressionError
    from pystator.expressions import compile_expression

    try:
        compile_expression(source, path=path)
    except ExpressionError as exc:
        return exc.message.removeprefix(f"{path}: ")
    return None


def _load_submachine(path: os.PathLike[str]) -> Mapping[str, Any]:
    from pystator_contracts.normalize import SubmachineLoadError

    try:
        return load_file(path)
    except ConfigurationError as exc:
        # The caller names the file (relative to the including one); keep "LINE: problem".
        source = os.fspath(path) + ":"
        raise SubmachineLoadError(
            [line.removeprefix(source).lstrip() if line.startswith(source) else line for line in exc.errors]
        ) from None

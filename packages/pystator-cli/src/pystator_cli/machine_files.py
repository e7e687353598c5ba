"""Machine files given on the command line: checked to exist, validated with line numbers, loaded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pystator_cli.locations import Problem, load_problem, locate_problem
from pystator_cli.output import EXIT_PROBLEMS, EXIT_USAGE, colour, fail

if TYPE_CHECKING:
    from pystator import StateMachine

__all__ = ["file_problems", "load_machine", "print_problems", "require_files"]


def require_files(command: str, paths: Sequence[Path]) -> None:
    """A missing file is a usage error (exit 2), reported in one line like any other."""
    for path in paths:
        if not path.exists():
            fail(command, f"no such file: {path}", EXIT_USAGE)
        if not path.is_file():
            fail(command, f"not a file: {path}", EXIT_USAGE)


def problems_of(file: str, errors: Sequence[str]) -> list[Problem]:
    return [load_problem(file, text) or locate_problem(file, text) for text in errors]


def file_problems(path: Path) -> list[Problem]:
    """Every validation problem of a machine file (read errors included), each with its line."""
    from pystator import validate_config

    return problems_of(str(path), validate_config(path))


def print_problems(problems: Sequence[Problem], *, err: bool = False) -> None:
    for problem in problems:
        typer.echo(problem.styled(colour) if not err else str(problem), err=err)


def load_machine(command: str, path: Path, **registries: Any) -> StateMachine:
    """The machine of a file; an invalid file prints its problems and exits 1."""
    from pystator import StateMachine
    from pystator.config import load_file
    from pystator.errors import ConfigurationError

    try:
        return StateMachine.from_dict(load_file(path), base_path=path, **registries)
    except ConfigurationError as exc:
        problems = problems_of(str(path), exc.errors)
        if len(problems) == 1:
            fail(command, str(problems[0]), EXIT_PROBLEMS)
        print_problems(problems, err=True)
        fail(command, f"{path} is not a valid machine ({len(problems)} problems)", EXIT_PROBLEMS)

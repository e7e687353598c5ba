"""How the command talks: tables and colour on a terminal, plain text in pipes, JSON on request,
one-line errors on stderr and the three exit codes.

Exit codes: ``0`` success, ``1`` the work found problems or failed (invalid or lint-flagged
machines, a refused transition, an unreachable API), ``2`` the command was used wrongly (unknown
option, missing file, missing distribution).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "Progress",
    "colour",
    "fail",
    "is_terminal",
    "print_json",
    "print_table",
    "progress",
    "say",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def is_terminal() -> bool:
    """Rich output (tables, colour, progress bars) only for a person at a terminal."""
    if os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def colour(text: str, **style: Any) -> str:
    """``text`` styled (``fg="red"``, ``bold=True``, ...) on a colour terminal, else unchanged;
    ``NO_COLOR`` turns colour off."""
    if not is_terminal() or os.environ.get("NO_COLOR"):
        return text
    return typer.style(text, **style)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def say(message: str) -> None:
    """A line of human progress or status, on stderr so stdout stays the command's data."""
    typer.echo(message, err=True)


def fail(command: str, message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    """One clear line on stderr (``pystator machines push: ...``), then exit with ``code``."""
    typer.echo(f"pystator {command}: {message}", err=True)
    raise typer.Exit(code)


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table: rich on a terminal, aligned plain columns (header first) otherwise."""
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    if is_terminal():
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(title), title_justify="left", header_style="bold")
        for column in columns:
            table.add_column(escape(column))
        for row in cells:
            table.add_row(*(escape(value) for value in row))
        Console().print(table)
        return
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row)]
    typer.echo(f"{title}:")
    for row in [list(columns), *cells]:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


class Progress:
    """Advance one step per finished item: a bar on a terminal, a line per item otherwise."""

    def __init__(self, bar: Any, task: Any) -> None:
        self._bar = bar
        self._task = task

    def step(self, message: str) -> None:
        if self._bar is None:
            say(message)
            return
        self._bar.console.print(message, markup=False, highlight=False)
        self._bar.advance(self._task)


@contextmanager
def progress(description: str, total: int) -> Iterator[Progress]:
    if not (is_terminal() and sys.stderr.isatty()) or total <= 1:
        yield Progress(None, None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield Progress(bar, bar.add_task(description, total=total))

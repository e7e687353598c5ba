"""``pystator machines stubs``: a typed Python module of a machine (Literal states and triggers, the
session class and a session Protocol) so that mypy rejects misspelled names in user code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pystator_cli.machine_files import load_machine
from pystator_cli.output import EXIT_PROBLEMS, fail, say

__all__ = ["stubs"]


def stubs(
    file: Annotated[Path, typer.Argument(help="Machine file (YAML, or JSON by the .json suffix).")],
    *,
    class_name: Annotated[
        str | None, typer.Option("--class-name", help="Session class name (default <MachineName>Session).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the module here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the typed module of a machine."""
    from pystator.session.typed_stub import typed_stub_source

    machine = load_machine("machines stubs", file)
    try:
        source = typed_stub_source(machine, class_name=class_name)
    except ValueError as exc:
        fail("machines stubs", str(exc), EXIT_PROBLEMS)
    if output is None:
        typer.echo(source, nl=False)
        return
    partial = output.with_name(output.name + ".partial")
    partial.write_text(source, encoding="utf-8")
    partial.replace(output)
    say(f"wrote {output}")
